namespace PubSub.Core.Delivery;

/// <summary>
/// The ids of the newest messages a node delivered of one topic life, by seq: what lets it notice a store that
/// came back older and gave a delivered seq to another message (PROTOCOL.md §8: a seq names one message for ever
/// within an epoch). Guarded by the fan-out's lock of the topic.
/// </summary>
internal sealed class SeenRing
{
    /// <summary>Messages remembered; also how far back a repair re-reads history to check them.</summary>
    public const int Size = 64;

    private readonly long[] _seqs = new long[Size];
    private readonly string?[] _ids = new string?[Size];

    /// <summary>The life the remembered messages belong to (null before the first).</summary>
    public string? Epoch { get; private set; }

    /// <summary>The highest seq seen in <see cref="Epoch"/>: the store can never be behind it.</summary>
    public long High { get; private set; }

    public void Remember(PublishedMessage message)
    {
        if (!string.Equals(message.Epoch, Epoch, StringComparison.Ordinal))
        {
            if (message.Seq <= 0)
            {
                return;
            }

            Clear();
            Epoch = message.Epoch;
        }

        var slot = (int)(message.Seq % Size);
        if (message.Seq >= _seqs[slot])
        {
            _seqs[slot] = message.Seq;
            _ids[slot] = message.Id;
        }

        High = Math.Max(High, message.Seq);
    }

    /// <summary>Whether this node delivered another message under <paramref name="message"/>'s epoch and seq.</summary>
    public bool Conflicts(PublishedMessage message)
    {
        if (!string.Equals(message.Epoch, Epoch, StringComparison.Ordinal))
        {
            return false;
        }

        var slot = (int)(message.Seq % Size);
        return _seqs[slot] == message.Seq && !string.Equals(_ids[slot], message.Id, StringComparison.Ordinal);
    }

    /// <summary>The lowest seq among <paramref name="messages"/> (of <see cref="Epoch"/>) that conflicts, or 0.</summary>
    public long FirstConflict(IReadOnlyList<PublishedMessage> messages)
    {
        foreach (var message in messages)
        {
            if (Conflicts(message))
            {
                return message.Seq;
            }
        }

        return 0;
    }

    public void Clear()
    {
        Array.Clear(_seqs);
        Array.Clear(_ids);
        Epoch = null;
        High = 0;
    }
}
