using Microsoft.AspNetCore.SignalR;
using PubSub.Core.Delivery;

namespace PubSub.Server.Hubs;

/// <summary>
/// The items of a hub <c>Stream</c>: a stream connection's queue as events, until its topic is deleted or the server
/// shuts down. SignalR writes each item and only then asks for the next, so an event is counted as delivered when the
/// next one is asked for (or the stream ends), never while its write may still be waiting on the socket. Frames are
/// taken from the queue one at a time, as SignalR asks for them: what waits stays in the queue, where it counts against
/// the connection's one budget (<see cref="PubSub.Core.Delivery.QueueBudget"/>), rather than in a batch beside it.
/// </summary>
internal static class HubStreamItems
{
    public static async IAsyncEnumerable<HubEvent> ReadAsync(BrokerConnection stream, BrokerConnection session, int queueCapacity)
    {
        var batch = new List<OutboundFrame>(1);
        while (await stream.WaitToReadAsync())
        {
            stream.Drain(batch, 1);
            foreach (var frame in batch)
            {
                switch (frame.Kind)
                {
                    case OutboundKind.Event:
                        yield return HubEventEncoding.EventOf(frame.Message!.GetEncoded(HubEventEncoding.Instance));
                        stream.CountDelivered(1); // written: SignalR asked for the next item
                        break;
                    case OutboundKind.TopicDeleted or OutboundKind.Shutdown:
                        yield break;
                    case OutboundKind.SlowConsumer when frame.Fatal:
                        throw new HubException($"SLOW_CONSUMER: the connection's outgoing queues overflowed ({queueCapacity} events together): {frame.Count} events of this stream dropped");
                    case OutboundKind.SlowConsumer:
                        // Reported on the connection, like any subscription's drops, in one notice however many streams
                        // dropped (queued one by one, they would fill the connection's queue of a client that reads nothing).
                        session.ReportDropped(frame.Count);
                        break;
                    case OutboundKind.Gap or OutboundKind.Reset:
                        // Reported on the connection, like any subscription's gaps; the stream goes on.
                        session.TrySend(frame);
                        break;
                }
            }

            batch.Clear();
        }
    }
}
