using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hub;

/// <summary>The JavaScript <c>@microsoft/signalr</c> client under Node against a real server.</summary>
public sealed class JsClientTests
{
    [NodeFact]
    public async Task The_JavaScript_client_subscribes_publishes_receives_and_crosses_to_ws_both_ways()
    {
        var js = await NodeRunner.PrepareAsync();
        await using var server = await TestServer.StartAsync();

        await NodeRunner.AssertPassesAsync(js, "client-test.mjs", server);
    }

    [NodeFact]
    public async Task The_JavaScript_example_in_the_docs_runs()
    {
        var js = await NodeRunner.PrepareAsync();
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");

        var (exit, output) = await NodeRunner.NodeAsync(js, "example.mjs", NodeRunner.BaseUrl(server), "orders");

        Assert.True(exit == 0, $"example.mjs exited {exit}:\n{output}");
        Assert.Contains("subscribed at seq 0", output);
        Assert.Contains("published #1", output);
        Assert.Contains("event orders #1 {\"hello\":\"from js\"}", output);
        Assert.Contains("TOPIC_NOT_FOUND", output);
    }
}
