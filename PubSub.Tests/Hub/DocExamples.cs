using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace PubSub.Tests.Hub;

/// <summary>
/// The C# client example of <c>docs/signalr.md</c>, quoted there verbatim (a test checks) and run by a test against
/// a real server, so the documentation cannot rot. Only the region between the markers is quoted.
/// </summary>
internal static class DocExamples
{
    // <csharp-example>
    public sealed record EventMessage(string Topic, string Id, long Seq, JsonElement Payload, string Ts);

    public sealed record SubscribeResult(string Topic, string Status, long Seq, bool Gap);

    public sealed record PublishResult(string Topic, string Status, string Id, long Seq);

    public static async Task<EventMessage> SubscribeAndPublishAsync(string baseUrl, string? apiKey = null)
    {
        await using var connection = new HubConnectionBuilder()
            .WithUrl($"{baseUrl}/hubs/pubsub", options =>
            {
                if (apiKey is not null)
                {
                    options.Headers["X-API-Key"] = apiKey;
                }
            })
            .Build();

        var received = new TaskCompletionSource<EventMessage>();
        connection.On<EventMessage>("Event", e => received.TrySetResult(e));
        connection.On<JsonElement>("Info", info => Console.WriteLine($"info {info}"));   // topic_deleted, ping, server_shutdown
        connection.On<JsonElement>("Error", error => Console.WriteLine($"error {error}")); // SLOW_CONSUMER

        await connection.StartAsync();
        var sub = await connection.InvokeAsync<SubscribeResult>("Subscribe", new { topic = "orders", clientId = "c1", lastN = 5 });
        var pub = await connection.InvokeAsync<PublishResult>("Publish", new { topic = "orders", payload = new { order_id = "ORD-123", amount = "99.50" } });
        Console.WriteLine($"subscribed at seq {sub.Seq}, published #{pub.Seq} as {pub.Id}");

        try
        {
            await connection.InvokeAsync<SubscribeResult>("Subscribe", new { topic = "no-such-topic", clientId = "c1" });
        }
        catch (HubException ex) when (ex.Message.StartsWith("TOPIC_NOT_FOUND:", StringComparison.Ordinal))
        {
            Console.WriteLine(ex.Message); // TOPIC_NOT_FOUND: topic 'no-such-topic' does not exist
        }

        return await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
    // </csharp-example>
}
