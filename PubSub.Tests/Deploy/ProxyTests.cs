using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using PubSub.Tests.Cluster;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Deploy;

/// <summary>
/// The compose topology's proxy, for real: Debian's HAProxy runs <c>deploy/haproxy/haproxy.cfg</c> unchanged in front
/// of two real nodes on one real redis-server (<see cref="ProxiedCluster"/>). What a client of
/// <c>docker compose up</c> relies on: REST and WebSocket upgrades pass, SignalR's negotiate and connection land on
/// one node, a browser stays on its node, a stopped node's clients go to the other. Each test has a deployment of
/// its own (one stops a node); the class shares the redis-server.
/// </summary>
public sealed class ProxyTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [SkippableFact]
    public async Task REST_and_a_ws_subscriber_through_the_proxy_see_a_publish_made_directly_on_the_other_node()
    {
        await using var cluster = await StartAsync();
        var http = cluster.Client();

        using (var created = await http.PostAsJsonAsync("/api/topics/create/", new { name = "orders" }).Within())
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        // The upgrade passes the proxy: the 101 names the node the socket reached.
        await using var ws = await WsClient.ConnectAsync(cluster.WsUri, o => o.CollectHttpResponseDetails = true);
        var socket = (ClientWebSocket)ws.Socket;
        Assert.Equal(HttpStatusCode.SwitchingProtocols, socket.HttpStatusCode);
        var wsNode = Assert.Single(socket.HttpResponseHeaders![NodeTag.NodeHeader]);
        var ack = await ws.SubscribeAsync("orders", requestId: "r-1");
        Assert.Equal("ok", ack.GetProperty("status").GetString());

        // Published on the other node, not through the proxy: it reaches the subscriber over Redis and the proxy.
        var (status, body) = await cluster.Other(wsNode).PublishRestAsync("orders", new { order_id = "ORD-1" });
        Assert.Equal(201, status);
        var first = await ws.ExpectAsync("event");
        Assert.Equal(body.GetProperty("seq").GetInt64(), first.GetProperty("seq").GetInt64());
        Assert.Equal("ORD-1", first.GetProperty("message").GetProperty("payload").GetProperty("order_id").GetString());

        // Published through the proxy.
        using (var published = await http.PostAsJsonAsync("/api/topics/orders/messages/", new { payload = new { order_id = "ORD-2" } }).Within())
        {
            Assert.Equal(HttpStatusCode.Created, published.StatusCode);
            var reply = JsonDocument.Parse(await published.Content.ReadAsStringAsync().Within()).RootElement;
            Assert.Equal("published", reply.GetProperty("status").GetString());
            var second = await ws.ExpectAsync("event");
            Assert.Equal(reply.GetProperty("seq").GetInt64(), second.GetProperty("seq").GetInt64());
            Assert.Equal("ORD-2", second.GetProperty("message").GetProperty("payload").GetProperty("order_id").GetString());
        }

        // The node named by the compose file's NodeId is where the cluster says the socket lives, seen through the
        // proxy. Nodes learn of each other from reports (every 2 s), so the list may need a moment to include both.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var listed = await http.GetAsync("/api/connections/").Within();
            var text = await listed.Content.ReadAsStringAsync().Within();
            Assert.True(listed.StatusCode == HttpStatusCode.OK, text);
            var ours = JsonDocument.Parse(text).RootElement.GetProperty("connections").EnumerateArray()
                .Where(c => c.GetProperty("transport").GetString() == "ws").ToList();
            if (ours.Count == 1)
            {
                Assert.Equal(wsNode, ours[0].GetProperty("node").GetString());
                break;
            }

            Assert.True(clock.Elapsed < Timeouts.Short, $"/api/connections/ through the proxy (answered by {ProxiedCluster.AnsweredBy(listed)}) never listed the socket on {wsNode}: {text}");
            await Task.Delay(100); // reports have no push to wait on: poll, bounded by the deadline
        }

        // The socket is still open and answered through the proxy after all that.
        await ws.SendAsync(new { type = "ping", request_id = "p-1" });
        Assert.Equal("p-1", (await ws.ExpectAsync("pong")).GetProperty("request_id").GetString());
    }

    [SkippableFact]
    public async Task The_proxy_tells_the_node_who_the_client_is_and_how_it_came()
    {
        await using var cluster = await StartAsync();

        using var proxied = await cluster.Client().GetAsync("/api/health/").Within();
        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        Assert.Equal("127.0.0.1", Assert.Single(proxied.Headers.GetValues(NodeTag.ForwardedForHeader)));
        Assert.Equal("http", Assert.Single(proxied.Headers.GetValues(NodeTag.ForwardedProtoHeader)));

        // Straight to a node, nobody adds them: the headers above are the proxy's.
        using var direct = await cluster.Node("node1").Http.GetAsync("/api/health/").Within();
        Assert.False(direct.Headers.Contains(NodeTag.ForwardedForHeader));
        Assert.False(direct.Headers.Contains(NodeTag.ForwardedProtoHeader));
    }

    [SkippableTheory]
    [InlineData(HttpTransportType.WebSockets)]
    [InlineData(HttpTransportType.LongPolling)]
    public async Task A_SignalR_client_negotiates_and_connects_through_the_proxy_and_gets_an_event_from_the_other_node(HttpTransportType transport)
    {
        await using var cluster = await StartAsync();
        await cluster.Node("node1").CreateTopicAsync("orders");

        // Negotiate (a POST), then the connection with the id it returned (a WebSocket, or a poll and a send per
        // message with long polling): all must reach the node that issued the id, which the cookie sees to.
        var cookies = new CookieContainer();
        var events = System.Threading.Channels.Channel.CreateUnbounded<JsonElement>();
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(cluster.BaseAddress, "/hubs/pubsub"), transport, options =>
            {
                options.SkipNegotiation = false;
                options.Cookies = cookies;
            })
            .Build();
        await using var connectionDisposal = connection.DisposeWithin();
        connection.On<JsonElement>("Event", e => events.Writer.TryWrite(e));
        await connection.StartAsync().Within();

        var pinned = cluster.PinnedNode(cookies);
        Assert.True(pinned is "node1" or "node2", $"the proxy set no {ProxiedCluster.CookieName} cookie on negotiate: {cookies.GetCookieHeader(cluster.BaseAddress)}");
        var subscribed = await connection.InvokeAsync<JsonElement>("Subscribe", new { topic = "orders", clientId = "hub-1" }).Within();
        Assert.Equal("ok", subscribed.GetProperty("status").GetString());

        var (status, body) = await cluster.Other(pinned!).PublishRestAsync("orders", new { order_id = "ORD-HUB" });
        Assert.Equal(201, status);
        var received = await events.Reader.ReadAsync().AsTask().Within();
        Assert.Equal(body.GetProperty("seq").GetInt64(), received.GetProperty("seq").GetInt64());
        Assert.Equal("ORD-HUB", received.GetProperty("payload").GetProperty("order_id").GetString());

        // A call after the event still works: long polling's sends and polls stayed on the negotiating node.
        var published = await connection.InvokeAsync<JsonElement>("Publish", new { topic = "orders", payload = new { n = 2 }, clientId = "hub-1" }).Within();
        Assert.Equal("ok", published.GetProperty("status").GetString());
        Assert.Equal(body.GetProperty("seq").GetInt64() + 1, published.GetProperty("seq").GetInt64());
        Assert.Equal(HubConnectionState.Connected, connection.State);
        Assert.Equal(pinned, cluster.PinnedNode(cookies));
    }

    [SkippableFact]
    public async Task A_client_with_the_cookie_stays_on_its_node_and_clients_without_it_are_spread_over_both()
    {
        await using var cluster = await StartAsync();

        var cookies = new CookieContainer();
        var browser = cluster.Client(cookies);
        var answered = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await browser.GetAsync("/api/health/").Within();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answered.Add(ProxiedCluster.AnsweredBy(response));
            if (i > 0)
            {
                // "indirect": the proxy takes its cookie off the request before the node sees it.
                Assert.DoesNotContain(ProxiedCluster.CookieName, response.Headers.TryGetValues(NodeTag.CookieHeader, out var seen) ? string.Join(";", seen) : "");
            }
        }

        var pinned = cluster.PinnedNode(cookies);
        Assert.NotNull(pinned);
        Assert.All(answered, node => Assert.Equal(pinned, node));

        // Without the cookie, every request is balanced anew, and every answer offers the cookie of its node.
        var script = cluster.Client();
        var spread = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await script.GetAsync("/api/health/").Within();
            var node = ProxiedCluster.AnsweredBy(response);
            spread.Add(node);
            var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
            Assert.StartsWith($"{ProxiedCluster.CookieName}={node};", setCookie);
        }

        Assert.Equal(["node1", "node2"], spread.Distinct().Order());
        Assert.True(spread.Count(n => n == "node1") >= 5 && spread.Count(n => n == "node2") >= 5, $"not spread: {string.Join(" ", spread)}");
    }

    [SkippableFact]
    public async Task When_the_pinned_node_stops_its_clients_go_to_the_other_and_the_health_check_marks_it_down()
    {
        await using var cluster = await StartAsync();
        await cluster.Node("node1").CreateTopicAsync("orders");
        var cookies = new CookieContainer();
        var browser = cluster.Client(cookies);
        using (var first = await browser.GetAsync("/api/health/").Within())
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var pinned = cluster.PinnedNode(cookies)!;
        var other = ProxiedCluster.OtherName(pinned);

        // A WebSocket with the same cookie reaches the same node.
        long seen;
        var ws = await WsClient.ConnectAsync(cluster.WsUri, o =>
        {
            o.Cookies = cookies;
            o.CollectHttpResponseDetails = true;
        });
        await using (ws)
        {
            Assert.Equal(pinned, Assert.Single(((ClientWebSocket)ws.Socket).HttpResponseHeaders![NodeTag.NodeHeader]));
            seen = (await ws.SubscribeAsync("orders")).GetProperty("seq").GetInt64();

            await cluster.Node(pinned).StopAsync();

            // The node said goodbye before it went (its graceful shutdown, through the proxy).
            var (closeStatus, frames) = await ws.ReadUntilCloseAsync();
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, closeStatus);
            Assert.Contains(frames, f => f.GetProperty("type").GetString() == "info" && f.GetProperty("msg").GetString() == "server_shutdown");
        }

        // The very next request with the old cookie is answered by the other node: the connection to the stopped node
        // is refused, and the retry is redispatched. Whether or not the health check has noticed yet.
        using (var next = await browser.GetAsync("/api/health/").Within())
        {
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
            Assert.Equal(other, ProxiedCluster.AnsweredBy(next));
        }

        // GET /health/live fails (connection refused: L4CON) three times: DOWN.
        await cluster.Proxy.WaitForServersAsync(s => s[pinned].Status == "DOWN" && s[other].Status == "UP", $"{pinned} DOWN, {other} UP");
        Assert.StartsWith("L4", (await cluster.Proxy.ServersAsync())[pinned].Check);

        // From now on the cookie names the live node, and everything goes there, a reconnecting subscriber too.
        for (var i = 0; i < 10; i++)
        {
            using var response = await browser.GetAsync("/api/health/").Within();
            Assert.Equal(other, ProxiedCluster.AnsweredBy(response));
        }

        Assert.Equal(other, cluster.PinnedNode(cookies));
        await using var again = await WsClient.ConnectAsync(cluster.WsUri, o =>
        {
            o.Cookies = cookies;
            o.CollectHttpResponseDetails = true;
        });
        Assert.Equal(other, Assert.Single(((ClientWebSocket)again.Socket).HttpResponseHeaders![NodeTag.NodeHeader]));
        await again.SubscribeAsync("orders", sinceSeq: seen); // resumes where the socket on the stopped node was
        var (status, body) = await cluster.Node(other).PublishRestAsync("orders", new { after = "failover" });
        Assert.Equal(201, status);
        Assert.Equal(body.GetProperty("seq").GetInt64(), (await again.ExpectAsync("event")).GetProperty("seq").GetInt64());
    }

    [SkippableFact]
    public async Task An_event_stream_passes_the_proxy_unbuffered_and_resumes_through_it_on_the_other_node_after_its_node_stops()
    {
        await using var cluster = await StartAsync();
        await cluster.Node("node1").CreateTopicAsync("orders");

        // Each frame comes through as the node flushes it: the ack before anything is published, then each message
        // before the next is published (a proxy that buffered or compressed the response would hold them back).
        var sse = await SseClient.OpenAsync(cluster.BaseAddress, "/api/topics/orders/events/");
        var node = Assert.Single(sse.Response.Headers.GetValues(NodeTag.NodeHeader));
        await sse.ExpectSubscribedAsync();
        string lastId = "";
        await using (sse)
        {
            for (var i = 1; i <= 3; i++)
            {
                Assert.Equal(201, (await cluster.Other(node).PublishRestAsync("orders", new { n = i })).Status);
                var message = await sse.ReceiveNonPingAsync();
                Assert.Equal(i, message.Seq);
                lastId = message.Id!;
            }

            // The node stops: its stream says so and ends, through the proxy.
            await cluster.Node(node).StopAsync();
            Assert.True((await sse.ReadToEndAsync())[^1].IsInfo("server_shutdown"));
        }

        for (var i = 4; i <= 5; i++)
        {
            Assert.Equal(201, (await cluster.Other(node).PublishRestAsync("orders", new { n = i })).Status);
        }

        // EventSource's reconnect: the same URL with Last-Event-ID, answered by the live node (no stickiness needed).
        await using var resumed = await SseClient.OpenAsync(cluster.BaseAddress, "/api/topics/orders/events/", lastEventId: lastId);
        Assert.Equal(ProxiedCluster.OtherName(node), Assert.Single(resumed.Response.Headers.GetValues(NodeTag.NodeHeader)));
        await resumed.ExpectSubscribedAsync();
        Assert.Equal([4L, 5], (await resumed.ReadUntilAsync(f => f.IsMessage && f.Seq == 5, "seq 5")).Select(f => f.Seq));
    }

    [SkippableFact]
    public async Task The_dashboard_page_and_its_script_load_through_the_proxy()
    {
        await using var cluster = await StartAsync();
        var cookies = new CookieContainer();
        var browser = cluster.Client(cookies);

        using var page = await browser.GetAsync("/").Within();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync().Within();
        Assert.Contains("<title>PubSub</title>", html);

        // Not prerendered (App.razor): the page is the host of Blazor Server components, protected with the keys of
        // the node that rendered it, which only that node's circuit can read: one more reason for the cookie.
        Assert.Contains("<!--Blazor:{\"type\":\"server\"", html);
        Assert.Contains("<script src=\"_framework/blazor.web.js\"></script>", html);
        Assert.Equal(ProxiedCluster.AnsweredBy(page), cluster.PinnedNode(cookies));

        foreach (var asset in new[] { "/_framework/blazor.web.js", "/_content/MudBlazor/MudBlazor.min.css", "/_content/MudBlazor/MudBlazor.min.js" })
        {
            using var response = await browser.GetAsync(asset).Within();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True((await response.Content.ReadAsByteArrayAsync().Within()).Length > 10_000, $"{asset} came back (nearly) empty");
            Assert.Equal(cluster.PinnedNode(cookies), ProxiedCluster.AnsweredBy(response));
        }
    }

    private async Task<ProxiedCluster> StartAsync()
    {
        RedisServer.SkipUnlessAvailable();
        HaproxyProcess.SkipUnlessAvailable();
        return await ProxiedCluster.StartAsync(redis.Server).Within(ProxiedCluster.StartTimeout);
    }
}
