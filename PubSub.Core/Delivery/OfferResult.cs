namespace PubSub.Core.Delivery;

/// <summary>What a subscription did with an offered event.</summary>
internal enum OfferResult : byte
{
    Queued,
    Held,
    Duplicate,
    Hole,
    OtherEpoch,
}
