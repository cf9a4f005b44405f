using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace PubSub.Server.Hosting;

/// <summary>
/// Runs the server so that a configuration or bind mistake (or a Redis whose eviction policy would lose data) ends the process with one line on stderr (the option or
/// address, what is wrong, how to fix it) and exit code 1, not an unhandled exception's stack trace. Any other failure
/// is rethrown as before.
/// </summary>
internal static partial class StartupErrors
{
    // The host logs "Hosting failed to start" with the whole trace before it rethrows; until the server has started
    // that log is ours to write, as one line. A logger filter runs per call, so it sees the flag change. The filter is
    // a rule for the Host's category alone (a rule without a category would replace every configured level); that
    // category writes only Debug lines besides its failures, and those stay hidden as they were by default.
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";
    private static volatile bool s_starting = true;

    /// <summary>What <c>Program.cs</c> runs: builds and runs the server; returns the process's exit code.</summary>
    public static int Run(string[] args)
    {
        IConfiguration? configuration = null;
        try
        {
            var app = PubSubServer.Build(args, builder =>
            {
                configuration = builder.Configuration;
                builder.Logging.AddFilter(HostCategory, level => level >= LogLevel.Warning && !(s_starting && level >= LogLevel.Error));
            });
            app.Lifetime.ApplicationStarted.Register(() => s_starting = false);
            app.Run();
            return 0;
        }
        catch (Exception ex) when (s_starting && Describe(ex, configuration) is { } line)
        {
            Console.Error.WriteLine(line);
            return 1;
        }
    }

    /// <summary>The one line for a configuration or bind error, or null when <paramref name="ex"/> is neither.</summary>
    public static string? Describe(Exception ex, IConfiguration? configuration)
    {
        switch (ex)
        {
            case OptionsValidationException invalid:
                return $"PubSub: invalid configuration: {string.Join(" ", invalid.Failures)} Fix it in appsettings.json, an environment variable (PubSub__Section__Key) or the command line (--PubSub:Section:Key=value).";
            case Core.PubSubException refused: // the engine refuses to start on what it found (Redis's eviction policy)
                return $"PubSub: {refused.Message}";
            case IOException { InnerException: AddressInUseException } bind:
                return $"PubSub: cannot listen on {BindAddress(bind.Message)}: the address is already in use. Stop what holds that port or listen elsewhere with --urls, Urls or ASPNETCORE_URLS (e.g. --urls http://localhost:8001).";
            case IOException { InnerException: SocketException socket } bind:
                return $"PubSub: cannot listen on {BindAddress(bind.Message)}: {socket.Message}. Choose another address with --urls, Urls or ASPNETCORE_URLS.";
            case InvalidOperationException when ConversionFailure().Match(ex.Message) is { Success: true } match:
                return Conversion(match.Groups["key"].Value, match.Groups["type"].Value, configuration);
            // Kestrel's "Invalid url: '…'" (a FormatException) carries no type of its own: known by where it came from.
            case InvalidOperationException or FormatException when ex.Message.Contains("url", StringComparison.OrdinalIgnoreCase)
                && (ex.StackTrace ?? "").Contains("AddressBinder", StringComparison.Ordinal):
                return $"PubSub: cannot listen: {ex.Message} Give --urls, Urls or ASPNETCORE_URLS as scheme://host:port, e.g. http://localhost:8000.";
            default:
                return ex.InnerException is { } inner ? Describe(inner, configuration) : null;
        }
    }

    private static string BindAddress(string message) =>
        BindFailure().Match(message) is { Success: true } m ? m.Groups["address"].Value : "the configured address";

    private static string Conversion(string key, string typeName, IConfiguration? configuration)
    {
        var value = configuration?[key];
        var type = Type.GetType(typeName) ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(typeName)).FirstOrDefault(t => t is not null);
        var expected = type switch
        {
            { IsEnum: true } => "one of " + string.Join(", ", Enum.GetNames(type)),
            _ when type == typeof(TimeSpan) => "a time span as [d.]hh:mm:ss[.fff], e.g. 00:00:30",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type == typeof(double) => "a number",
            _ => $"a value of type {type?.Name ?? typeName}",
        };
        var shown = value is null ? "" : $" '{value}'";
        return $"PubSub: configuration value{shown} of {key} is not valid: it must be {expected}. Fix {key} in appsettings.json, the environment variable {key.Replace(":", "__", StringComparison.Ordinal)} or the command line (--{key}=...).";
    }

    // ConfigurationBinder: "Failed to convert configuration value [ '…'] at 'PubSub:Queue:OverflowPolicy' to type 'PubSub.Core.OverflowPolicy'."
    [GeneratedRegex("at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionFailure();

    // Kestrel: "Failed to bind to address http://127.0.0.1:8000: address already in use."
    [GeneratedRegex(@"address (?<address>\S+?):? [a-z]")]
    private static partial Regex BindFailure();
}
