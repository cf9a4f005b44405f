using System.Text.Json.Serialization;

namespace PubSub.Server.Api;

/// <summary>The answer to a publish over HTTP.</summary>
/// <param name="Status">Always "published".</param>
/// <param name="Topic">The topic.</param>
/// <param name="Id">The message id (for a repeated Idempotency-Key, the first publish's).</param>
/// <param name="Seq">The message's seq (for a repeated Idempotency-Key, the first publish's).</param>
/// <param name="Duplicate">True (status 200) when the Idempotency-Key was seen within the window and nothing was published; absent otherwise.</param>
public sealed record PublishResponse(string Status, string Topic, string Id, long Seq, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Duplicate = null);
