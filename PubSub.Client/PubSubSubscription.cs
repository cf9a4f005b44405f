namespace PubSub.Client;

/// <summary>
/// A subscription to one topic: enumerate it for its messages and notices, in order, each message once, across the
/// client's reconnects. The enumeration ends after a <see cref="TopicDeletedNotice"/>, when the subscription or the
/// client is disposed, or when it is cancelled; it throws <see cref="PubSubException"/> only when the server refuses to
/// resume it for good (e.g. <c>FORBIDDEN</c> after a key lost its rights). Enumerate it once.
/// </summary>
public sealed class PubSubSubscription : IAsyncEnumerable<SubscriptionItem>, IAsyncDisposable
{
    private readonly SubscriptionState _state;
    private readonly PubSubClient _client;

    internal PubSubSubscription(SubscriptionState state, PubSubClient client)
    {
        _state = state;
        _client = client;
    }

    /// <summary>The topic.</summary>
    public string Topic => _state.Topic;

    /// <summary>
    /// The position delivered so far, as <c>(epoch, seq)</c>, for saving and resuming later with
    /// <see cref="SubscribeFrom.After"/>; updated as the client reads the connection, ahead of what the application has
    /// taken from the stream when items are buffered.
    /// </summary>
    public (string? Epoch, long? Seq) Position => _state.Snapshot();

    /// <inheritdoc />
    public IAsyncEnumerator<SubscriptionItem> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        _state.Items.Reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    /// <summary>Unsubscribes (when connected) and ends the enumeration.</summary>
    public ValueTask DisposeAsync() => _client.UnsubscribeAsync(_state);
}
