namespace PubSub.Client;

/// <summary>The outcome of <see cref="SubscriptionPosition.OnEvent"/>.</summary>
internal enum EventDecision
{
    /// <summary>New and in order (after the notice, if one was given): hand it to the application.</summary>
    Deliver,

    /// <summary>Delivered already (a replay overlapping what was seen): drop it.</summary>
    Duplicate,

    /// <summary>Seqs are missing without a notice: resume from <see cref="SubscriptionPosition.Last"/> on a new connection.</summary>
    Hole,
}
