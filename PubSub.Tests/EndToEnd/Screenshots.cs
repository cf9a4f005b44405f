namespace PubSub.Tests.EndToEnd;

/// <summary>Where the end-to-end tests write the screenshots that docs/dashboard.md shows: docs/screenshots/ of the repository.</summary>
internal static class Screenshots
{
    private static readonly Lazy<string> Dir = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PubSub.sln")))
        {
            dir = dir.Parent;
        }

        var path = Path.Combine(dir?.FullName ?? Path.GetTempPath(), "docs", "screenshots");
        System.IO.Directory.CreateDirectory(path);
        return path;
    });

    public static string Directory => Dir.Value;
}
