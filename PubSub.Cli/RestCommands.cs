using System.CommandLine;
using System.Text.Json;
using PubSub.Client;

namespace PubSub.Cli;

/// <summary>The commands answered over REST (PROTOCOL.md §6, §8): topics, history, stats, nodes, connections.</summary>
internal static class RestCommands
{
    public static Command Topics()
    {
        var ls = new Command("ls", "List the topics, one JSON line each {\"name\",\"subscribers\",\"created_at\"}");
        ls.SetAction((parse, ct) => Rest(parse, async rest => EachOf(await rest.ListTopicsAsync(ct), "topics")));

        var createName = new Argument<string>("NAME") { Description = "The new topic's name" };

        createName.Validators.Add(Commands.ValidateTopicNames);
        var metadata = new Option<string>("--metadata") { Description = "A JSON object stored with the topic", HelpName = "JSON" };
        var create = new Command("create", "Create a topic; prints the server's answer") { createName, metadata };
        create.SetAction((parse, ct) => Rest(parse, async rest =>
        {
            JsonElement? meta = parse.GetValue(metadata) is { } m ? ParseObject(m) : null;
            Output.Line(await rest.CreateTopicAsync(parse.GetValue(createName)!, meta, ct));
        }));

        var rmName = new Argument<string>("NAME") { Description = "The topic to delete (its history goes with it)" };

        rmName.Validators.Add(Commands.ValidateTopicNames);
        var rm = new Command("rm", "Delete a topic; its subscribers are told (topic_deleted)") { rmName };
        rm.SetAction((parse, ct) => Rest(parse, async rest => Output.Line(await rest.DeleteTopicAsync(parse.GetValue(rmName)!, ct))));

        var topics = new Command("topics", "List (the default), create or delete topics") { ls, create, rm };
        topics.SetAction((parse, ct) => Rest(parse, async rest => EachOf(await rest.ListTopicsAsync(ct), "topics")));
        return topics;
    }

    public static Command History()
    {
        var topic = new Argument<string>("TOPIC") { Description = "The topic" };
        topic.Validators.Add(Commands.ValidateTopicNames);
        var limit = new Option<int>("--limit") { Description = "How many of the newest retained messages (1-100)", DefaultValueFactory = _ => 100, HelpName = "N" };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 100)
            {
                r.AddError("--limit must be 1 to 100");
            }
        });
        var command = new Command("history", "Print a topic's retained messages, oldest first, one JSON line each {\"id\",\"seq\",\"payload\",\"publisher_id\",\"ts\"}") { topic, limit };
        command.SetAction((parse, ct) => Rest(parse, async rest =>
        {
            var page = await rest.GetHistoryAsync(parse.GetValue(topic)!, parse.GetValue(limit), 0, ct);
            foreach (var message in page.GetProperty("messages").EnumerateArray().Reverse())
            {
                Output.Line(message);
            }
        }));
        return command;
    }

    public static Command Stats()
    {
        var command = new Command("stats", "Print the broker's stats as one JSON line {\"topics\":{\"NAME\":{\"messages\",\"subscribers\"}}}");
        command.SetAction((parse, ct) => Rest(parse, async rest => Output.Line(await rest.GetStatsAsync(ct))));
        return command;
    }

    public static Command Nodes()
    {
        var command = new Command("nodes", "List the broker's nodes, one JSON line each {\"id\",\"address\",\"started_at\",\"last_seen\",\"connections\",\"subscriptions\"}");
        command.SetAction((parse, ct) => Rest(parse, async rest => EachOf(await rest.GetNodesAsync(ct), "nodes")));
        return command;
    }

    public static Command Connections()
    {
        var command = new Command("connections", "List every node's connections (all pages), one JSON line each {\"id\",\"node\",\"transport\",\"topics\",…}");
        command.SetAction((parse, ct) => Rest(parse, async rest =>
        {
            string? cursor = null;
            do
            {
                var page = await rest.GetConnectionsAsync(limit: 1000, cursor: cursor, cancellationToken: ct);
                EachOf(page, "connections");
                cursor = page.TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            }
            while (cursor is not null);
        }));
        return command;
    }

    private static Task<int> Rest(ParseResult parse, Func<PubSubRestClient, Task> call) => Commands.RunAsync(async () =>
    {
        using var rest = new PubSubRestClient(Commands.Options(parse));
        await call(rest);
        return ExitCodes.Done;
    });

    private static void EachOf(JsonElement body, string property)
    {
        foreach (var item in body.GetProperty(property).EnumerateArray())
        {
            Output.Line(item);
        }
    }

    private static JsonElement ParseObject(string text)
    {
        try
        {
            var value = JsonSerializer.Deserialize<JsonElement>(text);
            return value.ValueKind == JsonValueKind.Object ? value : throw new UsageException("--metadata must be a JSON object");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"--metadata is not JSON: {ex.Message}");
        }
    }
}
