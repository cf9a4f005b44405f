namespace PubSub.Server.Hosting;

/// <summary>API-key auth, section <c>PubSub:Auth</c>. Off by default.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "PubSub:Auth";

    /// <summary>Require a key on REST (but <c>/health</c>) and on the <c>/ws</c> upgrade. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>The keys accepted.</summary>
    public List<ApiKeyOptions> Keys { get; set; } = [];

    /// <summary>The name of the key at <paramref name="index"/>: its own, or <c>key-N</c> when none is set.</summary>
    internal static string NameOf(ApiKeyOptions key, int index) => string.IsNullOrWhiteSpace(key.Name) ? $"key-{index}" : key.Name.Trim();
}
