using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PubSub.Server.WebSockets;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Limits;

/// <summary>
/// Issue 10, item 7: a peer that stops answering keep-alive pings, or leaves a message unfinished, is closed and
/// unsubscribed instead of lingering.
/// </summary>
public sealed class DeadPeerTests
{
    /// <summary>A fake clock that says each time the frame watch of a connection sets its timer.</summary>
    private sealed class WatchedClock() : FakeTimeProvider(DateTimeOffset.UtcNow)
    {
        private readonly Channel<bool> _armed = Channel.CreateUnbounded<bool>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (state is not FrameWatch)
            {
                return timer;
            }

            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                _armed.Writer.TryWrite(true);
            }

            return new SignallingTimer(timer, _armed);
        }

        /// <summary>Waits for the next arming of a frame watch, forgetting earlier ones.</summary>
        public async Task NextArmAsync(Func<Task> trigger)
        {
            while (_armed.Reader.TryRead(out _))
            {
            }

            await trigger();
            await _armed.Reader.ReadAsync().AsTask().Within(); // times out when the frame watch is never armed
        }

        private sealed class SignallingTimer(ITimer inner, Channel<bool> armed) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                var changed = inner.Change(dueTime, period);
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    armed.Writer.TryWrite(true);
                }

                return changed;
            }

            public void Dispose() => inner.Dispose();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    private static async Task<TestServer> StartAsync(WatchedClock time) =>
        await TestServer.StartAsync(
            new Dictionary<string, string?>
            {
                ["PubSub:WebSocket:FrameTimeout"] = "00:00:10",
                ["PubSub:Heartbeat:Interval"] = "00:00:00",
            },
            services => services.AddSingleton<TimeProvider>(time));

    [Fact]
    public async Task Half_a_frame_left_for_FrameTimeout_gets_BAD_REQUEST_and_close_1008()
    {
        var time = new WatchedClock();
        await using var server = await StartAsync(time);
        await server.CreateTopicAsync("t");
        using var raw = await RawWebSocket.ConnectAsync(server.BaseAddress);
        await raw.SendTextAsync("""{"type":"subscribe","topic":"t","client_id":"half"}""");
        Assert.Contains("ack", Encoding.UTF8.GetString((await raw.ReadFrameAsync()).Payload));

        await time.NextArmAsync(() => raw.SendTextAsync("""{"type":"ping"}""", sendBytes: 5)); // the header announces 15 bytes; 5 come
        time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Single(server.Broker.GetSubscribers("t")); // not yet
        time.Advance(TimeSpan.FromSeconds(0.1));

        var frames = RawWebSocket.Frames(await raw.ReadToEndAsync());
        var error = Encoding.UTF8.GetString(Assert.Single(frames, f => f.Opcode == 0x1).Payload);
        Assert.Contains("BAD_REQUEST", error);
        Assert.Contains("FrameTimeout", error);
        var close = Assert.Single(frames, f => f.Opcode == 0x8).Payload;
        Assert.Equal(1008, (close[0] << 8) | close[1]);
        await Waits.UntilAsync(() => server.Broker.GetSubscribers("t").Count == 0);
    }

    [Fact]
    public async Task A_fragmented_message_finished_in_time_is_served_and_one_left_unfinished_is_closed()
    {
        var time = new WatchedClock();
        await using var server = await StartAsync(time);
        using var raw = await RawWebSocket.ConnectAsync(server.BaseAddress);

        // Two fragments, the second 5 s after the first: the watch is armed, then disarmed, and never fires.
        await time.NextArmAsync(() => raw.SendTextAsync("""{"type":""", fin: false));
        time.Advance(TimeSpan.FromSeconds(5));
        await raw.SendContinuationAsync("\"ping\"}");
        Assert.Contains("pong", Encoding.UTF8.GetString((await raw.ReadFrameAsync()).Payload));
        time.Advance(TimeSpan.FromMinutes(10));
        await raw.SendTextAsync("""{"type":"ping"}""");
        Assert.Contains("pong", Encoding.UTF8.GetString((await raw.ReadFrameAsync()).Payload));

        // A first fragment that never gets its last, on a connection of its own.
        using var stalled = await RawWebSocket.ConnectAsync(server.BaseAddress);
        await time.NextArmAsync(() => stalled.SendTextAsync("""{"type":""", fin: false));
        time.Advance(TimeSpan.FromSeconds(10));
        var frames = RawWebSocket.Frames(await stalled.ReadToEndAsync());
        Assert.Contains(frames, f => f.Opcode == 0x8);
        await Waits.UntilAsync(() => server.Broker.Connections.Count == 1);
    }

    [Fact]
    public async Task A_peer_that_answers_no_keep_alive_ping_is_dropped_and_unsubscribed()
    {
        // ManagedWebSocket runs its keep-alive on its own timer (no TimeProvider), so this one runs on the real clock, briefly.
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:WebSocket:KeepAliveInterval"] = "00:00:00.200",
            ["PubSub:WebSocket:KeepAliveTimeout"] = "00:00:00.500",
        });
        await server.CreateTopicAsync("t");
        await using var alive = await server.ConnectAsync(); // ClientWebSocket answers pings while it reads
        await alive.SubscribeAsync("t", clientId: "alive");

        using var dead = await RawWebSocket.ConnectAsync(server.BaseAddress); // reads nothing, answers nothing
        await dead.SendTextAsync("""{"type":"subscribe","topic":"t","client_id":"dead"}""");
        await Waits.UntilAsync(() => server.Broker.GetSubscribers("t").Count == 2);

        await Waits.UntilAsync(() => server.Broker.GetSubscribers("t").Count == 1);
        Assert.Equal("alive", Assert.Single(server.Broker.GetSubscribers("t")).ClientId);
        await alive.SendAsync(new { type = "ping" });
        await alive.ExpectAsync("pong");
    }
}
