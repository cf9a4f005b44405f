namespace PubSub.Tests.EndToEnd;

/// <summary>
/// Where the end-to-end tests write their screenshots. A test run writes into a temporary folder, so it never changes
/// tracked files; <c>PUBSUB_WRITE_SCREENSHOTS=1</c> (what <c>scripts/screenshots.sh</c> sets) writes the ones
/// docs/dashboard.md and the README show, into docs/screenshots/ of the repository.
/// </summary>
internal static class Screenshots
{
    public const string WriteVariable = "PUBSUB_WRITE_SCREENSHOTS";

    private static readonly Lazy<string> Dir = new(() =>
    {
        var path = ResolveDirectory(Environment.GetEnvironmentVariable(WriteVariable), Infrastructure.Repository.Root);
        System.IO.Directory.CreateDirectory(path);
        return path;
    });

    public static string Directory => Dir.Value;

    /// <summary>docs/screenshots/ when asked to (<paramref name="write"/> is <c>1</c>) inside a checkout, else a folder under the temp path.</summary>
    public static string ResolveDirectory(string? write, string? repositoryRoot) =>
        write == "1" && repositoryRoot is not null
            ? Path.Combine(repositoryRoot, "docs", "screenshots")
            : Path.Combine(Path.GetTempPath(), "pubsub-screenshots");
}
