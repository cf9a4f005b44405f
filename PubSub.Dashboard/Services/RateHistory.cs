using PubSub.Core;

namespace PubSub.Dashboard.Services;

/// <summary>
/// The last few minutes of message rates, one point a sample, for the dashboard's chart and rate cards.
/// Shared by every circuit (a singleton fed by <see cref="RateSampler"/>), so a freshly opened dashboard
/// shows the recent past at once. Thread-safe: one writer, any number of readers.
/// </summary>
public sealed class RateHistory
{
    /// <summary>Points kept: five minutes at one a second.</summary>
    public const int Capacity = 300;

    private readonly object _lock = new();
    private readonly RatePoint[] _points = new RatePoint[Capacity];
    private int _next;
    private int _count;
    private (DateTimeOffset At, long Published, long Delivered, long Dropped)? _previous;

    /// <summary>Records the broker's counters; the rates are the differences from the previous call.</summary>
    public void Add(BrokerStats stats, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (_previous is { } p && now > p.At)
            {
                var seconds = (now - p.At).TotalSeconds;
                _points[_next] = new RatePoint(
                    now,
                    Math.Max(0, stats.Published - p.Published) / seconds,
                    Math.Max(0, stats.Delivered - p.Delivered) / seconds,
                    Math.Max(0, stats.Dropped - p.Dropped) / seconds);
                _next = (_next + 1) % Capacity;
                _count = Math.Min(_count + 1, Capacity);
            }

            _previous = (now, stats.Published, stats.Delivered, stats.Dropped);
        }
    }

    /// <summary>The newest point, or null before two samples were taken.</summary>
    public RatePoint? Latest
    {
        get
        {
            lock (_lock)
            {
                return _count == 0 ? null : _points[(_next - 1 + Capacity) % Capacity];
            }
        }
    }

    /// <summary>Every point kept, oldest first.</summary>
    public RatePoint[] Snapshot()
    {
        lock (_lock)
        {
            var result = new RatePoint[_count];
            var start = (_next - _count + Capacity) % Capacity;
            for (var i = 0; i < _count; i++)
            {
                result[i] = _points[(start + i) % Capacity];
            }

            return result;
        }
    }
}
