using PubSub.Core.Engine;

namespace PubSub.Core.Cluster;

/// <summary>
/// This node's cached topic list, for readers that ask often and can take a second-old answer (dashboards, their rate
/// sampler, <c>/health</c>): however many ask, the store is read at most once per <see cref="MaxAge"/>, and at once after
/// a topic is created or deleted on any node (<see cref="Invalidate"/>, from the engine's events). While the store is
/// away the last list is served. An engine whose store is this process (in memory) is read directly.
/// </summary>
internal sealed class TopicCatalog(IPubSubEngine engine, TimeProvider time)
{
    /// <summary>How old the cached list may be.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly bool _cached = engine is ITopicEvents;
    private readonly object _lock = new();
    private IReadOnlyList<TopicInfo>? _list;
    private long _loadedAt;
    private long _version;
    private long _loadedVersion = -1;
    private Task<IReadOnlyList<TopicInfo>>? _loading;

    /// <summary>A topic was created or deleted: the next read loads the list again.</summary>
    public void Invalidate() => Interlocked.Increment(ref _version);

    /// <summary>
    /// This node created (<paramref name="created"/>) or deleted (<paramref name="deleted"/>) a topic: the cached list has
    /// it at once, so that it is right even if the store goes away before the next load.
    /// </summary>
    public void Apply(TopicInfo? created = null, string? deleted = null)
    {
        lock (_lock)
        {
            if (_list is { } list)
            {
                var name = created?.Name ?? deleted;
                IEnumerable<TopicInfo> patched = list.Where(t => !string.Equals(t.Name, name, StringComparison.Ordinal));
                if (created is not null)
                {
                    patched = patched.Append(created);
                }

                _list = [.. patched.OrderBy(t => t.Name, StringComparer.Ordinal)];
            }
        }

        Invalidate();
    }

    public async ValueTask<IReadOnlyList<TopicInfo>> ListAsync(CancellationToken cancellationToken)
    {
        if (!_cached)
        {
            return await engine.ListTopicsAsync(cancellationToken);
        }

        Task<IReadOnlyList<TopicInfo>> loading;
        lock (_lock)
        {
            if (_list is { } list && _loadedVersion == Interlocked.Read(ref _version) && time.GetElapsedTime(_loadedAt) < MaxAge)
            {
                return list;
            }

            // One load at a time, shared by every reader that arrives meanwhile.
            loading = _loading ??= LoadAsync();
        }

        return await loading.WaitAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<TopicInfo>> LoadAsync()
    {
        await Task.Yield(); // run outside the caller's lock
        var version = Interlocked.Read(ref _version);
        try
        {
            var list = await engine.ListTopicsAsync(CancellationToken.None);
            lock (_lock)
            {
                (_list, _loadedAt, _loadedVersion, _loading) = (list, time.GetTimestamp(), version, null);
            }

            return list;
        }
        catch (PubSubException ex) when (ex.Code == PubSubErrorCode.Unavailable)
        {
            lock (_lock)
            {
                _loading = null;
                if (_list is { } last)
                {
                    // Served as it was; tried again after MaxAge, not by every reader.
                    (_loadedAt, _loadedVersion) = (time.GetTimestamp(), version);
                    return last;
                }
            }

            throw;
        }
        catch
        {
            lock (_lock)
            {
                _loading = null;
            }

            throw;
        }
    }
}
