using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using PubSub.Client;

namespace PubSub.Cli;

/// <summary>The command tree: verbs, their arguments and options, and <c>--url</c> / <c>--key</c> on every one.</summary>
internal static class Commands
{
    public const string UrlVariable = "PUBSUB_URL";
    public const string KeyVariable = "PUBSUB_API_KEY";
    public const string DefaultUrl = "http://localhost:8000";

    public static readonly Option<string[]> Url = new("--url", "-u")
    {
        Description = $"A node of the broker (http://host:port or ws://host:port/ws); repeat for several, tried in turn on reconnect. Default: ${UrlVariable} (comma-separated), else {DefaultUrl}",
        HelpName = "URL",
        Recursive = true,
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<string> Key = new("--key", "-k")
    {
        Description = $"The API key (sent as X-API-Key). Default: ${KeyVariable}",
        HelpName = "KEY",
        Recursive = true,
    };

    public static RootCommand Build()
    {
        var root = new RootCommand("pubsub: subscribe, publish and manage topics on a PubSub server (PROTOCOL.md §11). Messages go to stdout as JSON lines, notices to stderr. Exit codes: 0 done, 1 server error, 2 usage.");
        root.Options.Add(Url);
        root.Options.Add(Key);
        root.Subcommands.Add(SubCommand.Build());
        root.Subcommands.Add(PubCommand.Build());
        root.Subcommands.Add(RestCommands.Topics());
        root.Subcommands.Add(RestCommands.History());
        root.Subcommands.Add(RestCommands.Stats());
        root.Subcommands.Add(RestCommands.Nodes());
        root.Subcommands.Add(RestCommands.Connections());
        return root;
    }

    /// <summary>The client settings from <c>--url</c>/<c>--key</c> or the environment.</summary>
    public static PubSubClientOptions Options(ParseResult parse)
    {
        var options = new PubSubClientOptions { ApiKey = parse.GetValue(Key) ?? NonEmpty(Environment.GetEnvironmentVariable(KeyVariable)) };
        var urls = parse.GetValue(Url) is { Length: > 0 } given
            ? given
            : (NonEmpty(Environment.GetEnvironmentVariable(UrlVariable)) ?? DefaultUrl).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var url in urls)
        {
            options.Urls.Add(new Uri(url, UriKind.RelativeOrAbsolute));
        }

        return options;
    }

    /// <summary>Checks a <c>--url</c> value: an absolute http, https, ws or wss address.</summary>
    public static void ValidateUrls(OptionResult result)
    {
        foreach (var token in result.Tokens)
        {
            if (!Uri.TryCreate(token.Value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "ws" or "wss"))
            {
                result.AddError($"--url '{token.Value}' is not an absolute http://, https://, ws:// or wss:// address");
            }
        }
    }

    /// <summary>Runs <paramref name="body"/>, turning a server's refusal into exit code 1 and bad input into 2.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (PubSubException ex)
        {
            await Console.Error.WriteLineAsync($"pubsub: {ex.Code}: {ex.Message}");
            return ExitCodes.ServerError;
        }
        catch (UsageException ex)
        {
            await Console.Error.WriteLineAsync($"pubsub: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync($"pubsub: {ex.Message}");
            return ExitCodes.Usage;
        }
    }

    /// <summary>
    /// Checks topic names as PROTOCOL.md §2 has them (1–128 of <c>A-Z a-z 0-9 . _ - :</c>, starting with a letter or
    /// digit). Also how a mistyped flag is caught: the parser takes an unknown <c>--flag</c> for an argument.
    /// </summary>
    public static void ValidateTopicNames(ArgumentResult result)
    {
        foreach (var token in result.Tokens)
        {
            var name = token.Value;
            if (name.StartsWith('-'))
            {
                result.AddError($"unknown option '{name}'");
            }
            else if (name.Length is 0 or > 128 || !char.IsAsciiLetterOrDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':'))
            {
                result.AddError($"'{name}' is not a topic name: 1-128 characters of A-Z a-z 0-9 . _ - :, starting with a letter or digit");
            }
        }
    }

    public static string Invariant(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    static Commands()
    {
        Url.Validators.Add(ValidateUrls);
    }
}
