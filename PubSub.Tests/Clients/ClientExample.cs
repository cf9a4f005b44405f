using PubSub.Client;

namespace PubSub.Tests.Clients;

/// <summary>The README's PubSub.Client example, compiled and run by <see cref="ClientExampleTests"/> and quoted verbatim by the README.</summary>
internal static class ClientExample
{
    // <client-example>
    public static async Task<List<long>> SubscribeAndPublishAsync(Uri[] nodes, CancellationToken cancellationToken)
    {
        var options = new PubSubClientOptions { ApiKey = Environment.GetEnvironmentVariable("PUBSUB_API_KEY") };
        foreach (var node in nodes)
        {
            options.Urls.Add(node); // e.g. http://node1:8000, http://node2:8000: tried in turn on reconnect
        }

        await using var client = new PubSubClient(options);
        await using var orders = await client.SubscribeAsync("orders", SubscribeFrom.Last(10), cancellationToken);

        // Sent with an idempotency key; re-sent with it if the connection drops before the ack.
        var ack = await client.PublishAsync("orders", new { order_id = "ORD-123", amount = "99.50" }, cancellationToken: cancellationToken);
        Console.WriteLine($"published #{ack.Seq}");

        var seen = new List<long>();
        await foreach (var item in orders.WithCancellation(cancellationToken))
        {
            switch (item)
            {
                case PubSubMessage m:
                    Console.WriteLine($"{m.Topic} #{m.Seq} ({m.Epoch}): {m.Payload}");
                    seen.Add(m.Seq);
                    break;
                case GapNotice gap:
                    Console.WriteLine($"lost for good: #{gap.FromSeq}..#{gap.ToSeq}");
                    break;
                case ResetNotice reset:
                    Console.WriteLine($"the topic's store went back: epoch {reset.Epoch} goes on after #{reset.Seq}");
                    break;
                case TopicDeletedNotice:
                    return seen; // the stream ends here
            }

            if (seen.Contains(ack.Seq))
            {
                return seen; // our own message came back: done
            }
        }

        return seen;
    }
    // </client-example>
}
