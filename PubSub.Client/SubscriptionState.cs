using System.Threading.Channels;

namespace PubSub.Client;

/// <summary>One subscription's state inside the client; its position is read and written under the client's lock.</summary>
internal sealed class SubscriptionState(string topic, SubscribeFrom start, int capacity)
{
    public string Topic { get; } = topic;

    public SubscriptionPosition Position { get; } = new(topic, start);

    public Channel<SubscriptionItem> Items { get; } = Channel.CreateBounded<SubscriptionItem>(
        new BoundedChannelOptions(capacity) { SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Completed by the first subscribe ack, or failed by the first subscribe's refusal.</summary>
    public TaskCompletionSource FirstAck { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The connection on which the current subscribe was acknowledged; events from any other are not this subscription's.</summary>
    public WsConnection? AckedOn { get; set; }

    public (string? Epoch, long? Seq) Snapshot()
    {
        lock (Position)
        {
            return (Position.Epoch, Position.Last);
        }
    }
}
