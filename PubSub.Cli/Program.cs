using System.CommandLine;

namespace PubSub.Cli;

/// <summary>
/// <c>pubsub</c>: exit codes 0 done, 1 the server refused or could not be reached (code and message on stderr), 2 usage
/// (a bad flag, a missing argument, input that is not JSON).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = Commands.Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"pubsub: {error.Message}");
            }

            await Console.Error.WriteLineAsync("Run 'pubsub --help' (or 'pubsub COMMAND --help') for usage.");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }
}
