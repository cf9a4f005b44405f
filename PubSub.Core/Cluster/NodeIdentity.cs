using Microsoft.Extensions.Options;

namespace PubSub.Core.Cluster;

/// <summary>Who this node is: its id (fixed for the life of the process), when it started, and where it can be reached.</summary>
internal sealed class NodeIdentity
{
    private string? _address;

    internal NodeIdentity(IOptions<PubSubOptions> options, TimeProvider time)
    {
        var cluster = options.Value.Cluster;
        Generated = cluster.NodeId is not { Length: > 0 };
        Id = Generated ? Generate() : cluster.NodeId!;
        _address = cluster.Address;
        StartedAt = time.GetUtcNow();
    }

    /// <summary>The node id: <see cref="ClusterOptions.NodeId"/>, or generated at start.</summary>
    public string Id { get; }

    /// <summary>True when <see cref="Id"/> was generated at start (no <see cref="ClusterOptions.NodeId"/>).</summary>
    public bool Generated { get; }

    /// <summary>Random, new in every process: tells two processes apart that were given the same <see cref="Id"/>.</summary>
    public string Instance { get; } = Guid.NewGuid().ToString("N");

    /// <summary>When this node started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>The address shown for this node: <see cref="ClusterOptions.Address"/>, or what the host reports once it listens.</summary>
    public string? Address => Volatile.Read(ref _address);

    /// <summary>The host reports where it listens; an address set in options wins.</summary>
    public void ReportListening(string address) => Interlocked.CompareExchange(ref _address, address, null);

    /// <summary>The node a connection id belongs to (the part after its last '.'), or null when the id has none.</summary>
    public static string? NodeOf(string connectionId)
    {
        var dot = connectionId.LastIndexOf('.');
        return dot > 0 && dot < connectionId.Length - 1 ? connectionId[(dot + 1)..] : null;
    }

    private static string Generate()
    {
        var machine = new string(Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? char.ToLowerInvariant(c) : '-').Take(40).ToArray());
        return $"{(machine.Length == 0 ? "node" : machine)}-{Random.Shared.Next(0x1000000):x6}";
    }
}
