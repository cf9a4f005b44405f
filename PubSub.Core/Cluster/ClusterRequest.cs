namespace PubSub.Core.Cluster;

/// <summary>A request from one node to another over the <see cref="IClusterBus"/>.</summary>
/// <param name="Op"><c>connections</c> (a page: after <paramref name="After"/>, at most <paramref name="Limit"/>), <c>subscribers</c> (of <paramref name="Topic"/>) or <c>disconnect</c> (<paramref name="Connection"/>, telling it <paramref name="Reason"/>).</param>
/// <param name="Connection">The connection to close.</param>
/// <param name="Reason">What its client is told.</param>
/// <param name="Topic">The topic whose subscribers are asked for.</param>
/// <param name="Key">The id of the caller's API key (null: none): the answering node applies that key's rights itself.</param>
/// <param name="After">The number of the last connection of the previous page on that node (0: from the start).</param>
/// <param name="Limit">The most connections to answer with.</param>
internal sealed record ClusterRequest(string Op, string? Connection = null, string? Reason = null, string? Topic = null, string? Key = null, long After = 0, int Limit = 0);
