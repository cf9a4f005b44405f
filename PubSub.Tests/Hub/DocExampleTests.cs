using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hub;

/// <summary>The client examples in <c>docs/signalr.md</c> are the code that tests run (see also <see cref="JsClientTests"/>).</summary>
public sealed class DocExampleTests
{
    [Fact]
    public async Task The_CSharp_example_runs_against_the_server()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");

        var e = await DocExamples.SubscribeAndPublishAsync(server.BaseAddress.ToString().TrimEnd('/')).Within();

        Assert.Equal("orders", e.Topic);
        Assert.Equal(1, e.Seq);
        Assert.Equal("ORD-123", e.Payload.GetProperty("order_id").GetString());
        Assert.True(Guid.TryParse(e.Id, out _));
    }

    [Fact]
    public async Task The_CSharp_example_works_with_auth_on()
    {
        const string key = "doc-key-0123456789abcdef";
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:Auth:Enabled"] = "true",
            ["PubSub:Auth:Keys:0:Key"] = key,
        });
        await server.SendAsync(HttpMethod.Post, "/api/topics/create/", """{"name":"orders"}""", key);

        var e = await DocExamples.SubscribeAndPublishAsync(server.BaseAddress.ToString().TrimEnd('/'), key).Within();

        Assert.Equal(1, e.Seq);
    }

    [Theory]
    [InlineData("PubSub.Tests/Hub/DocExamples.cs", "// <csharp-example>", "// </csharp-example>", "docs/signalr.md")]
    [InlineData("PubSub.Tests/js/example.mjs", "// <example>", "// </example>", "docs/signalr.md")]
    [InlineData("PubSub.Tests/Hub/DocExamples.cs", "// <csharp-example>", "// </csharp-example>", "README.md")]
    [InlineData("PubSub.Tests/js/example.mjs", "// <example>", "// </example>", "README.md")]
    [InlineData("PubSub.Tests/Clients/ClientExample.cs", "// <client-example>", "// </client-example>", "README.md")]
    public void The_docs_quote_the_tested_examples_verbatim(string source, string begin, string end, string docPath)
    {
        var root = Repository.RequiredRoot;
        var text = File.ReadAllText(Path.Combine(root, source)).ReplaceLineEndings("\n");
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var stop = text.IndexOf(end, StringComparison.Ordinal);
        Assert.True(start >= 0 && stop > start, $"markers not found in {source}");
        var lines = text[(start + begin.Length)..stop].Split('\n').Skip(1).SkipLast(1).ToList();
        var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        var example = string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));

        var doc = File.ReadAllText(Path.Combine(root, docPath)).ReplaceLineEndings("\n");

        Assert.True(doc.Contains(example, StringComparison.Ordinal), $"{docPath} must quote {source} verbatim:\n{example}");
    }
}
