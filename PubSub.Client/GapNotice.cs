namespace PubSub.Client;

/// <summary>
/// Messages <paramref name="FromSeq"/> … <paramref name="ToSeq"/> are no longer retained by the server and will not be
/// delivered; delivery goes on after <paramref name="ToSeq"/>.
/// </summary>
/// <param name="Topic">The subscription's topic.</param>
/// <param name="FromSeq">The first missing seq.</param>
/// <param name="ToSeq">The last missing seq.</param>
public sealed record GapNotice(string Topic, long FromSeq, long ToSeq) : SubscriptionItem(Topic);
