namespace PubSub.Core.Engine;

/// <summary>Which of <see cref="HistoryQuery"/>'s three reads is asked for.</summary>
internal enum HistoryQueryKind
{
    /// <summary><see cref="HistoryQuery.Last"/>: the newest <see cref="HistoryQuery.Limit"/> messages, oldest first.</summary>
    Last,

    /// <summary><see cref="HistoryQuery.After"/>: every retained message after <see cref="HistoryQuery.AfterSeq"/>, oldest first.</summary>
    After,

    /// <summary><see cref="HistoryQuery.NewestFirst"/>: a page, newest first, skipping <see cref="HistoryQuery.Offset"/>.</summary>
    NewestFirst,
}
