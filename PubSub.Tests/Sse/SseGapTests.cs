using Microsoft.Extensions.DependencyInjection;
using PubSub.Tests.Cluster;
using PubSub.Tests.Core;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Sse;

/// <summary>What an event stream is told when messages it should have had are gone (PROTOCOL.md §5, §8, §10).</summary>
public sealed class SseGapTests
{
    [Fact]
    public async Task A_Last_Event_ID_out_of_history_or_of_another_epoch_resumes_from_the_oldest_retained_with_gap()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:History:Capacity"] = "5" });
        await server.CreateTopicAsync("t");
        for (var i = 1; i <= 20; i++)
        {
            Assert.Equal(201, (await server.PublishRestAsync("t", new { n = i })).Status);
        }

        await using var probe = await SseClient.OpenAsync(server.BaseAddress, "/api/topics/t/events/");
        var epoch = (await probe.ExpectSubscribedAsync()).GetProperty("epoch").GetString();

        // Seen up to 2; 3-15 are gone: gap, then what is retained.
        await using var behind = await SseClient.OpenAsync(server.BaseAddress, "/api/topics/t/events/", lastEventId: $"{epoch}:2");
        Assert.True((await behind.ExpectSubscribedAsync()).GetProperty("gap").GetBoolean());
        Assert.Equal([16L, 17, 18, 19, 20], (await behind.ReadUntilAsync(f => f.Seq == 20, "seq 20")).Select(f => f.Seq));

        // Seen up to 18 of another life of the topic: none of this one's messages are known to it.
        await using var otherEpoch = await SseClient.OpenAsync(server.BaseAddress, "/api/topics/t/events/", lastEventId: "0ther0ep:18");
        Assert.True((await otherEpoch.ExpectSubscribedAsync()).GetProperty("gap").GetBoolean());
        Assert.Equal([16L, 17, 18, 19, 20], (await otherEpoch.ReadUntilAsync(f => f.Seq == 20, "seq 20")).Select(f => f.Seq));

        // Within history: no gap, exactly the rest.
        await using var current = await SseClient.OpenAsync(server.BaseAddress, "/api/topics/t/events/", lastEventId: $"{epoch}:17");
        Assert.False((await current.ExpectSubscribedAsync()).GetProperty("gap").GetBoolean());
        Assert.Equal([18L, 19, 20], (await current.ReadUntilAsync(f => f.Seq == 20, "seq 20")).Select(f => f.Seq));
        await current.ExpectSilenceAsync();
    }

    [Fact]
    public async Task Messages_lost_on_the_way_and_gone_from_history_are_an_info_gap_with_their_range_then_the_rest()
    {
        await using var server = await Protocol.GapFrameTests.StartWithLossyBusAsync(historyCapacity: 3);
        await server.CreateTopicAsync("t");
        await using var sse = await SseClient.OpenAsync(server.BaseAddress, "/api/topics/t/events/");
        await sse.ExpectSubscribedAsync();

        server.Services.GetRequiredService<LossyBus>().Drop(2, 3, 4, 5, 6, 7, 8);
        for (var i = 1; i <= 10; i++)
        {
            Assert.Equal(201, (await server.PublishRestAsync("t", i)).Status);
        }

        // History holds the newest three when the repair reads it (7-9 or 8-10): the gap runs from 2 to just before them.
        var frames = await sse.ReadUntilAsync(f => f.IsMessage && f.Seq == 10, "seq 10");
        Assert.Equal(1, frames[0].Seq);
        Assert.True(frames[1].IsInfo("gap"), $"expected the gap notice, got {frames[1]}");
        var gap = frames[1].Json;
        Assert.Equal("t", gap.GetProperty("topic").GetString());
        Assert.Equal(2, gap.GetProperty("from_seq").GetInt64());
        var to = gap.GetProperty("to_seq").GetInt64();
        Assert.InRange(to, 6, 7);
        Assert.Equal(Enumerable.Range((int)to + 1, 10 - (int)to).Select(n => (long)n), frames.Skip(2).Select(f => f.Seq));
    }
}
