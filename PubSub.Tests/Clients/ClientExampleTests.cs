using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Clients;

/// <summary>The README's client example runs (it is quoted verbatim: <see cref="Hub.DocExampleTests"/>).</summary>
public sealed class ClientExampleTests
{
    [Fact]
    public async Task The_README_client_example_runs_against_the_server()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/api/topics/orders/messages/", """{"payload":{"earlier":true}}""")).Status);
        using var timeout = new CancellationTokenSource(Timeouts.Short);

        var seen = await ClientExample.SubscribeAndPublishAsync([server.BaseAddress], timeout.Token).Within();

        Assert.Equal([1, 2], seen);
    }
}
