namespace PubSub.Core.Engine;

public enum HistoryQueryKind
{
    Last,
    After,
    NewestFirst,
}
