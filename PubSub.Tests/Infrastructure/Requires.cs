namespace PubSub.Tests.Infrastructure;

/// <summary>
/// External programs some tests need. On a developer machine without one, those tests are skipped; under CI
/// (<c>CI=true</c>) they are never skipped, so a missing program fails the run instead of passing it silently.
/// </summary>
internal static class Requires
{
    /// <summary>Debian's Chromium, driven by Playwright with no browser download. <c>PUBSUB_CHROMIUM</c> overrides the path.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("PUBSUB_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>True when CI=true: nothing may be skipped for want of a program.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why a test needing <paramref name="program"/> at <paramref name="path"/> is skipped here, or null to run it.</summary>
    public static string? SkipReason(string program, string path) =>
        File.Exists(path) || InCi ? null : $"{program} not found at {path} (apt-get install {program}); under CI=true this test fails instead";

    /// <summary>The full path of <paramref name="program"/> on PATH (or /usr/bin, /usr/local/bin), or null.</summary>
    public static string? FindProgram(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin").Append("/usr/local/bin")
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    /// <summary>The Chromium path; throws (a test failure) when it is missing, which under CI is the point.</summary>
    public static string Chromium()
    {
        var path = ChromiumPath;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"chromium is required but not found at {path}: apt-get install chromium (or set PUBSUB_CHROMIUM)");
        }

        return path;
    }
}

/// <summary>A fact that needs Chromium: skipped without it on a developer machine, run (and failed) without it under CI.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        Skip = Requires.SkipReason("chromium", Requires.ChromiumPath);
    }
}

/// <summary>
/// A fact that needs a program on PATH (<c>node</c>, <c>redis-server</c>): skipped without it on a developer
/// machine, run (and failed) without it under CI.
/// </summary>
public sealed class RequiresProgramFactAttribute : FactAttribute
{
    public RequiresProgramFactAttribute(string program, string debianPackage)
    {
        Skip = Requires.FindProgram(program) is not null || Requires.InCi
            ? null
            : $"{program} not found on PATH (apt-get install {debianPackage}); under CI=true this test fails instead";
    }
}
