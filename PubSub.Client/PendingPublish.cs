namespace PubSub.Client;

/// <summary>A publish not yet acknowledged; re-sent, with the same frame and idempotency key, on every new connection.</summary>
internal sealed class PendingPublish(long order, string requestId, string topic, byte[] frame)
{
    /// <summary>Call order: publishes are (re)sent in it.</summary>
    public long Order { get; } = order;

    public string RequestId { get; } = requestId;

    public string Topic { get; } = topic;

    public byte[] Frame { get; } = frame;

    public TaskCompletionSource<PublishResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The connection it was last sent on and is waiting for an answer from; null when it must be sent again.</summary>
    public WsConnection? SentOn { get; set; }

    /// <summary>How many times the server answered UNAVAILABLE: the retry's backoff step.</summary>
    public int Refusals { get; set; }
}
