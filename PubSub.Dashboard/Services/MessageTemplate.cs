namespace PubSub.Dashboard.Services;

/// <summary>A ready-made payload for the publisher view; <see cref="Build"/> makes a fresh one each time.</summary>
/// <param name="Name">Shown on its button.</param>
/// <param name="SuggestedTopic">A topic name that suits it.</param>
/// <param name="Build">Makes the payload's JSON text.</param>
public sealed record MessageTemplate(string Name, string SuggestedTopic, Func<Random, string> Build);
