using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.EndToEnd;

/// <summary>Where the end-to-end tests write the screenshots that docs/dashboard.md shows: docs/screenshots/ of the repository.</summary>
internal static class Screenshots
{
    private static readonly Lazy<string> Dir = new(() =>
    {
        var path = Path.Combine(Repository.Root ?? Path.GetTempPath(), "docs", "screenshots");
        System.IO.Directory.CreateDirectory(path);
        return path;
    });

    public static string Directory => Dir.Value;
}
