namespace PubSub.Core.Engine;

/// <summary>A fixed-capacity ring of the newest messages of one topic, oldest first. Not thread-safe: the owner's lock guards it.</summary>
internal sealed class HistoryRing(int capacity)
{
    private readonly PublishedMessage[] _items = new PublishedMessage[capacity];
    private int _start;

    public int Count { get; private set; }

    public void Add(PublishedMessage message)
    {
        if (_items.Length == 0)
        {
            return;
        }

        if (Count < _items.Length)
        {
            _items[(_start + Count) % _items.Length] = message;
            Count++;
        }
        else
        {
            _items[_start] = message;
            _start = (_start + 1) % _items.Length;
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
