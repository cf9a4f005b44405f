namespace PubSub.Core.Engine;

/// <summary>What to read from a topic's history.</summary>
internal readonly record struct HistoryQuery
{
    private HistoryQuery(HistoryQueryKind kind, long after, int limit, int offset)
    {
        Kind = kind;
        AfterSeq = after;
        Limit = limit;
        Offset = offset;
    }

    /// <summary>The newest <paramref name="n"/> retained messages, oldest first.</summary>
    public static HistoryQuery Last(int n) => new(HistoryQueryKind.Last, 0, n, 0);

    /// <summary>Every retained message with seq &gt; <paramref name="seq"/>, oldest first.</summary>
    public static HistoryQuery After(long seq) => new(HistoryQueryKind.After, seq, int.MaxValue, 0);

    /// <summary>A page of retained messages, newest first: skip <paramref name="offset"/>, take <paramref name="limit"/>.</summary>
    public static HistoryQuery NewestFirst(int offset, int limit) => new(HistoryQueryKind.NewestFirst, 0, limit, offset);

    public HistoryQueryKind Kind { get; }

    public long AfterSeq { get; }

    public int Limit { get; }

    public int Offset { get; }
}
