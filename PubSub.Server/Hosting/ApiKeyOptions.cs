namespace PubSub.Server.Hosting;

/// <summary>One API key and what it may do.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The secret the client sends (header <c>X-API-Key</c> or query <c>api_key</c>).</summary>
    public string Key { get; set; } = "";

    /// <summary>A name for people and logs, unique among the keys; defaults to <c>key-N</c>, N its position. Rights never follow the name.</summary>
    public string? Name { get; set; }

    /// <summary>Topic names or prefixes ending in <c>*</c> the key may use; empty means every topic.</summary>
    public List<string> Topics { get; set; } = [];

    /// <summary>
    /// Operations allowed: <c>publish</c>, <c>subscribe</c>, <c>read</c> (a topic's details, subscribers and history),
    /// <c>manage</c> (create and delete topics, disconnect connections); empty means all.
    /// </summary>
    public List<string> Operations { get; set; } = [];
}
