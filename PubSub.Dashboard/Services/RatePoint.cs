namespace PubSub.Dashboard.Services;

/// <summary>One second of the broker's traffic.</summary>
/// <param name="At">When the sample was taken.</param>
/// <param name="InPerSecond">Messages published per second since the previous sample.</param>
/// <param name="OutPerSecond">Events delivered to subscribers per second since the previous sample.</param>
/// <param name="DroppedPerSecond">Events dropped by full queues per second since the previous sample.</param>
public readonly record struct RatePoint(DateTimeOffset At, double InPerSecond, double OutPerSecond, double DroppedPerSecond);
