namespace PubSub.Core.Engine;

/// <summary>
/// The newest messages of one topic, oldest first, at most <c>capacity</c> of them and <c>maxBytes</c> of their
/// sizes (<see cref="SizeOf"/>): the oldest go first when either is reached. Not thread-safe: the owner's lock guards it.
/// </summary>
internal sealed class HistoryRing(int capacity, long maxBytes = long.MaxValue)
{
    private readonly PublishedMessage[] _items = new PublishedMessage[capacity];
    private int _start;

    public int Count { get; private set; }

    /// <summary>The sizes of the retained messages.</summary>
    public long Bytes { get; private set; }

    /// <summary>What a message counts against the byte bound: payload, id and a small header, as in the Redis engine's entry.</summary>
    public static long SizeOf(PublishedMessage message) => message.Payload.Length + message.Id.Length + (message.PublisherId?.Length ?? 0) + 48;

    public void Add(PublishedMessage message)
    {
        if (_items.Length == 0)
        {
            return;
        }

        if (Count == _items.Length)
        {
            RemoveOldest();
        }

        _items[(_start + Count) % _items.Length] = message;
        Count++;
        Bytes += SizeOf(message);
        while (Count > 0 && Bytes > maxBytes)
        {
            RemoveOldest(); // a message larger than the bound alone goes too: history stays consecutive
        }
    }

    private void RemoveOldest()
    {
        Bytes -= SizeOf(_items[_start]);
        _items[_start] = null!;
        _start = (_start + 1) % _items.Length;
        Count--;
    }

    /// <summary>The retained messages now belong to the topic life <paramref name="epoch"/> (a reset).</summary>
    public void Relabel(string epoch)
    {
        for (var i = 0; i < Count; i++)
        {
            var m = this[i];
            _items[(_start + i) % _items.Length] = new PublishedMessage(m.Topic, m.Seq, m.Id, m.Payload, m.PublisherId, m.Timestamp, epoch);
        }
    }

    /// <summary>The i-th retained message, 0 = oldest.</summary>
    public PublishedMessage this[int index] => _items[(_start + index) % _items.Length];

    public HistorySlice Read(HistoryQuery query, long latestSeq, string epoch)
    {
        var firstSeq = Count == 0 ? latestSeq + 1 : this[0].Seq;
        List<PublishedMessage> result;
        switch (query.Kind)
        {
            case HistoryQueryKind.Last:
            {
                var n = Math.Clamp(query.Limit, 0, Count);
                result = new List<PublishedMessage>(n);
                for (var i = Count - n; i < Count; i++)
                {
                    result.Add(this[i]);
                }

                break;
            }

            case HistoryQueryKind.After:
            {
                // Seqs in the ring are consecutive, so the start index is arithmetic, not a search.
                var skip = (int)Math.Clamp(query.AfterSeq - firstSeq + 1, 0, Count);
                result = new List<PublishedMessage>(Count - skip);
                for (var i = skip; i < Count; i++)
                {
                    result.Add(this[i]);
                }

                break;
            }

            default:
            {
                var offset = Math.Clamp(query.Offset, 0, Count);
                var take = Math.Clamp(query.Limit, 0, Count - offset);
                result = new List<PublishedMessage>(take);
                for (var i = Count - 1 - offset; i >= Count - offset - take; i--)
                {
                    result.Add(this[i]);
                }

                break;
            }
        }

        return new HistorySlice(result, latestSeq, firstSeq, Count, epoch);
    }
}
