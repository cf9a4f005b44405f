using System.CommandLine;
using System.Text.Json;
using PubSub.Client;

namespace PubSub.Cli;

/// <summary><c>pubsub pub TOPIC [JSON]</c>: publishes the argument, or each line of stdin, and prints each ack as a JSON line.</summary>
internal static class PubCommand
{
    // Publishes in flight at once when reading stdin: the client keeps their order; this bounds what is held.
    private const int Window = 64;

    public static Command Build()
    {
        var topic = new Argument<string>("TOPIC") { Description = "The topic to publish to (it must exist)" };
        topic.Validators.Add(Commands.ValidateTopicNames);
        var json = new Argument<string?>("JSON") { Description = "The payload, any JSON value; without it, each non-empty line of stdin is one message", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("pub", "Publish a JSON payload, or one message per stdin line, and print each acknowledgement {\"topic\",\"id\",\"seq\",\"duplicate\"} as a JSON line. Each publish carries an idempotency key: one re-sent after a reconnect is not duplicated.")
        {
            topic,
            json,
        };
        command.SetAction((parse, cancellationToken) => Commands.RunAsync(async () =>
        {
            await using var client = new PubSubClient(Commands.Options(parse), new StderrLogger<PubSubClient>(Microsoft.Extensions.Logging.LogLevel.Warning));
            var name = parse.GetValue(topic)!;
            if (parse.GetValue(json) is { } argument)
            {
                Print(await client.PublishAsync(name, Parse(argument, "the JSON argument"), cancellationToken: cancellationToken));
                return ExitCodes.Done;
            }

            var inFlight = new Queue<Task<PublishResult>>();
            var number = 0;
            while (await Console.In.ReadLineAsync(cancellationToken) is { } line)
            {
                number++;
                if (line.Trim().Length == 0)
                {
                    continue;
                }

                JsonElement payload;
                try
                {
                    payload = Parse(line, $"line {number} of stdin");
                }
                catch (UsageException)
                {
                    // The lines before it were read as messages: they are published and acked before the usage error.
                    await PrintAllAsync(inFlight);
                    throw;
                }

                inFlight.Enqueue(client.PublishAsync(name, payload, cancellationToken: cancellationToken));
                if (inFlight.Count >= Window)
                {
                    Print(await inFlight.Dequeue());
                }
            }

            await PrintAllAsync(inFlight);
            return ExitCodes.Done;
        }));
        return command;
    }

    private static async Task PrintAllAsync(Queue<Task<PublishResult>> inFlight)
    {
        while (inFlight.Count > 0)
        {
            Print(await inFlight.Dequeue());
        }
    }

    private static JsonElement Parse(string text, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<JsonElement>(text);
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{what} is not JSON: {ex.Message}");
        }
    }

    private static void Print(PublishResult ack) => Output.Line(w =>
    {
        w.WriteStartObject();
        w.WriteString("topic", ack.Topic);
        w.WriteString("id", ack.Id);
        w.WriteNumber("seq", ack.Seq);
        w.WriteBoolean("duplicate", ack.Duplicate);
        w.WriteEndObject();
    });
}
