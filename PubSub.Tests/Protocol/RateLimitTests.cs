using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol;

/// <summary>The optional publish rate limit: RATE_LIMITED on /ws, 429 on REST, other requests unaffected.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task Publishes_beyond_the_bucket_get_RATE_LIMITED_and_the_connection_stays()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:RateLimit:PublishesPerSecond"] = "5",
            ["PubSub:RateLimit:Burst"] = "5",
        });
        await server.CreateTopicAsync("limited");
        await using var client = await server.ConnectAsync();
        for (var i = 0; i < 20; i++)
        {
            await client.PublishAsync("limited", i, requestId: $"r{i}");
        }

        var acks = 0;
        var limited = 0;
        for (var i = 0; i < 20; i++)
        {
            var frame = await client.ReceiveAsync();
            if (frame.GetProperty("type").GetString() == "ack")
            {
                acks++;
            }
            else
            {
                WireAssert.IsError(frame, "RATE_LIMITED", $"r{i}");
                limited++;
            }
        }

        Assert.InRange(acks, 5, 15); // the burst, plus at most a couple of refills while the 20 went out
        Assert.Equal(20, acks + limited);
        await client.SendAsync(new { type = "ping", request_id = "still" });
        await client.ExpectAsync("pong");

        var responses = new List<(int Status, System.Text.Json.JsonElement Body)>();
        for (var i = 0; i < 20; i++)
        {
            responses.Add(await server.SendAsync(HttpMethod.Post, "/api/topics/limited/messages/", "{\"payload\":1}"));
        }

        Assert.Contains(responses, r => r.Status == 201);
        var refused = responses.Where(r => r.Status == 429).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.Equal("RATE_LIMITED", r.Body.GetProperty("code").GetString()));
    }
}
