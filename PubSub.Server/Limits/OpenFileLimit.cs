namespace PubSub.Server.Limits;

/// <summary>
/// The process's open-file limit (soft <c>RLIMIT_NOFILE</c>, after the runtime has raised it to the hard limit at
/// start), read from <c>/proc/self/limits</c>. Every TCP connection costs one descriptor, and so does every assembly
/// the runtime maps and every thread it starts (the PAL opens a pipe per new thread): when the descriptors run out,
/// thread creation fails and the runtime ends the process with "Out of memory.". The connection cap is derived from it.
/// </summary>
internal static class OpenFileLimit
{
    /// <summary>Descriptors kept free of connections for assemblies, threads, logs, Redis and the listen sockets.</summary>
    public static long Headroom(long limit) => Math.Max(512, limit / 8);

    /// <summary>The soft limit, or null where it cannot be read (not Linux) or is unlimited.</summary>
    public static long? Read(string path = "/proc/self/limits")
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            // "Max open files            4096                 4096                 files"
            var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var fields = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields is { Length: > 0 } && long.TryParse(fields[0], out var soft) ? soft : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The default connection cap for a limit: the limit less its headroom, at least 1; 10,000 when unknown.</summary>
    public static int DefaultMaxConnections(long? limit) =>
        limit is { } l ? (int)Math.Clamp(l - Headroom(l), 1, ConnectionLimitValidator.Ceiling) : 10_000;
}
