using System.Buffers;
using System.Net;
using System.Net.Sockets;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>
/// A subscriber over Server-Sent Events (PROTOCOL.md §10, <c>GET /api/topics/{name}/events/</c>): one stream per topic,
/// read through <see cref="HttpClient"/> (which undoes the chunked encoding) in large reads, each <c>event: message</c>
/// block searched for the bench payload as the /ws subscriber does. It runs beside the publishers and subscribers of
/// any transport (<c>--sse-subscribers</c>), so SSE's cost is measured against /ws in the same run.
/// </summary>
internal sealed class SseSubscriber : IBenchSubscriber
{
    private readonly HttpClient _http;
    private readonly IEventSink _sink;
    private readonly ReadGate _gate = new();
    private readonly List<Task> _readers = [];
    private readonly CancellationTokenSource _closing = new();

    private SseSubscriber(HttpClient http, IEventSink sink)
    {
        _http = http;
        _sink = sink;
    }

    /// <summary>Opens a stream per topic of <paramref name="spec"/>; returns once each has its subscribe ack.</summary>
    public static async Task<IBenchSubscriber> ConnectAsync(Uri httpBase, SubscriberSpec spec, IEventSink sink, CancellationToken cancellationToken)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = await SourceAddresses.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, spec.Source, spec.SmallSocketBuffer ? 4096 : null, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
            UseProxy = false,
        };
        var subscriber = new SseSubscriber(new HttpClient(handler) { BaseAddress = httpBase, Timeout = Timeout.InfiniteTimeSpan }, sink);
        try
        {
            foreach (var topic in spec.Topics)
            {
                var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                subscriber._readers.Add(Task.Run(() => subscriber.ReadAsync(topic, spec, subscribed), CancellationToken.None));
                await subscribed.Task.WaitAsync(cancellationToken);
            }

            return subscriber;
        }
        catch
        {
            await subscriber.DisposeAsync();
            throw;
        }
    }

    public void Pause() => _gate.Pause();

    public void Resume() => _gate.Resume();

    private async Task ReadAsync(string topic, SubscriberSpec spec, TaskCompletionSource subscribed)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(spec.ReceiveBufferBytes, 16 * 1024));
        var reason = "stream ended by the server";
        try
        {
            using var response = await _http.GetAsync(new Uri($"/api/topics/{topic}/events/?client_id=bench-sse{spec.Index}", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, _closing.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"subscribe refused: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(_closing.Token)}");
            }

            await using var body = await response.Content.ReadAsStreamAsync(_closing.Token);
            var count = 0;
            while (true)
            {
                if (_gate.Task is { } paused)
                {
                    await paused;
                }

                if (count == buffer.Length)
                {
                    buffer = PooledBuffer.Grow(buffer, count);
                }

                var read = await body.ReadAsync(buffer.AsMemory(count), _closing.Token);
                if (read == 0)
                {
                    break;
                }

                count += read;
                var consumed = OnBlocks(buffer.AsSpan(0, count), subscribed);
                buffer.AsSpan(consumed, count - consumed).CopyTo(buffer);
                count -= consumed;
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            reason = "closed";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException or SocketException)
        {
            reason = ex.Message;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            subscribed.TrySetException(new InvalidOperationException($"subscribe not confirmed: {reason}"));
            _sink.OnClosed(reason);
        }
    }

    // Handles every whole block (ending in a blank line) of data; returns the bytes consumed.
    private int OnBlocks(ReadOnlySpan<byte> data, TaskCompletionSource subscribed)
    {
        var consumed = 0;
        while (true)
        {
            var end = data[consumed..].IndexOf("\n\n"u8);
            if (end < 0)
            {
                return consumed;
            }

            var block = data.Slice(consumed, end);
            consumed += end + 2;
            if (block.StartsWith("id: "u8) && block.IndexOf("\nevent: message\n"u8) >= 0)
            {
                _sink.OnEventFrame(block);
            }
            else if (block.IndexOf("event: info\n"u8) >= 0)
            {
                if (block.IndexOf("\"msg\":\"subscribed\""u8) >= 0)
                {
                    subscribed.TrySetResult();
                }
                else if (block.IndexOf("\"msg\":\"slow_consumer\""u8) >= 0)
                {
                    _sink.OnError("SLOW_CONSUMER", FrameText.Clip(block));
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Resume();
        await _closing.CancelAsync();
        await Task.WhenAll(_readers).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _http.Dispose();
        _closing.Dispose();
    }
}
