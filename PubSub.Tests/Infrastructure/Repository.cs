namespace PubSub.Tests.Infrastructure;

/// <summary>The repository the tests run from: the first folder above the test binaries that holds PubSub.sln.</summary>
internal static class Repository
{
    private static readonly Lazy<string?> RootDirectory = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PubSub.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    });

    /// <summary>The repository root, or null when the tests run outside a checkout.</summary>
    public static string? Root => RootDirectory.Value;

    /// <summary>The repository root; throws when the tests run outside a checkout.</summary>
    public static string RequiredRoot => Root ?? throw new InvalidOperationException("repository root (PubSub.sln) not found above " + AppContext.BaseDirectory);
}
