using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace PubSub.Tests.Infrastructure;

/// <summary>One frame of an event stream as a client parses it (text/event-stream): its fields, or a comment line.</summary>
public sealed record SseFrame(string? Id, string? Event, string? Data, int? Retry, string? Comment)
{
    public JsonElement Json => JsonDocument.Parse(Data ?? throw new Xunit.Sdk.XunitException($"frame has no data: {this}")).RootElement.Clone();

    public bool IsMessage => Event == "message";

    public bool IsInfo(string msg) => Event == "info" && Json.GetProperty("msg").GetString() == msg;

    public long Seq => Json.GetProperty("seq").GetInt64();

    public override string ToString() => $"[id={Id} event={Event} retry={Retry} comment={Comment} data={Data}]";
}

/// <summary>
/// A real HTTP client reading a server's event stream (PROTOCOL.md §10) over a real socket: the response is read as it
/// arrives, parsed into frames by the rules of the HTML standard's event-stream parser (fields per line, a blank line
/// dispatches). Reading can be paused, so that the server's writes back up as a stalled client's would.
/// </summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly Stream _body;
    private readonly Channel<SseFrame> _frames = Channel.CreateUnbounded<SseFrame>();
    private readonly Task _reader;
    private volatile TaskCompletionSource _readGate = OpenGate();

    private SseClient(HttpClient http, HttpResponseMessage response, Stream body)
    {
        _http = http;
        _response = response;
        _body = body;
        _reader = Task.Run(ReadLoopAsync);
    }

    public HttpResponseMessage Response => _response;

    /// <summary>
    /// Opens <paramref name="path"/> on <paramref name="baseAddress"/>; the stream must start (200, text/event-stream).
    /// Use <see cref="SendAsync"/> for requests that may be refused.
    /// </summary>
    public static async Task<SseClient> OpenAsync(Uri baseAddress, string path, string? lastEventId = null, string? apiKey = null, string? origin = null)
    {
        var (status, client, body) = await SendAsync(baseAddress, path, lastEventId, apiKey, origin);
        return client ?? throw new Xunit.Sdk.XunitException($"GET {path}: expected an event stream, got {status} {body}");
    }

    /// <summary>Sends the request: the status, and the open stream on 200 or the body (a REST error) otherwise.</summary>
    public static async Task<(HttpStatusCode Status, SseClient? Client, string? Body)> SendAsync(Uri baseAddress, string path, string? lastEventId = null, string? apiKey = null, string? origin = null)
    {
        // No overall timeout on the client: a stream lives as long as the test; every read below is bounded instead.
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        if (apiKey is not null)
        {
            request.Headers.Add("X-API-Key", apiKey);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).Within();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var text = await response.Content.ReadAsStringAsync().Within();
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            response.Dispose();
            http.Dispose();
            return (response.StatusCode, null, text);
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, new SseClient(http, response, await response.Content.ReadAsStreamAsync().Within()), null);
    }

    /// <summary>Stops reading (after at most the current line), so the server's writes back up.</summary>
    public void PauseReading() => _readGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ResumeReading() => _readGate.TrySetResult();

    /// <summary>The next frame (comments included); fails when none comes in time or the stream ended.</summary>
    public async Task<SseFrame> ReceiveAsync(TimeSpan? timeout = null) =>
        await TryReceiveAsync(timeout ?? Timeouts.Short) ?? throw new Xunit.Sdk.XunitException($"no frame within {timeout ?? Timeouts.Short} (stream ended: {_reader.IsCompleted})");

    /// <summary>The next frame, or null if none within <paramref name="timeout"/> or the stream ended.</summary>
    public async Task<SseFrame?> TryReceiveAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _frames.Reader.ReadAsync(cts.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>The next frame that is not a heartbeat comment.</summary>
    public async Task<SseFrame> ReceiveNonPingAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var frame = await ReceiveAsync(timeout);
            if (frame.Comment is null)
            {
                return frame;
            }
        }
    }

    /// <summary>Reads the start of a stream: <c>retry: 2000</c>, then the subscribe ack (its JSON).</summary>
    public async Task<JsonElement> ExpectSubscribedAsync()
    {
        var retry = await ReceiveAsync();
        Assert.True(retry.Retry == 2000 && retry.Data is null, $"the first frame should be retry: 2000, got {retry}");
        var ack = await ReceiveNonPingAsync();
        Assert.True(ack.IsInfo("subscribed"), $"expected the subscribe ack, got {ack}");
        return ack.Json;
    }

    /// <summary>Reads frames until one matches <paramref name="last"/>; returns every frame read but heartbeats.</summary>
    public async Task<List<SseFrame>> ReadUntilAsync(Func<SseFrame, bool> last, string what, TimeSpan? timeout = null)
    {
        var frames = new List<SseFrame>();
        var limit = timeout ?? Timeouts.Long;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var left = limit - clock.Elapsed;
            var frame = left > TimeSpan.Zero ? await TryReceiveAsync(left) : null;
            if (frame is null)
            {
                throw new Xunit.Sdk.XunitException($"{what} did not arrive within {limit} (stream ended: {_reader.IsCompleted}); last frames: {string.Join(" ", frames.TakeLast(5))}");
            }

            if (frame.Comment is not null)
            {
                continue;
            }

            frames.Add(frame);
            if (last(frame))
            {
                return frames;
            }
        }
    }

    /// <summary>Reads until the server ends the stream; returns every frame but heartbeats.</summary>
    public async Task<List<SseFrame>> ReadToEndAsync(TimeSpan? timeout = null)
    {
        var frames = new List<SseFrame>();
        using var cts = new CancellationTokenSource(timeout ?? Timeouts.Long);
        try
        {
            await foreach (var frame in _frames.Reader.ReadAllAsync(cts.Token))
            {
                if (frame.Comment is null)
                {
                    frames.Add(frame);
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"the stream did not end within {timeout ?? Timeouts.Long}; got {frames.Count} frames, last: {string.Join(" ", frames.TakeLast(3))}");
        }

        return frames;
    }

    /// <summary>Asserts that nothing but heartbeats arrives for a short while.</summary>
    public async Task ExpectSilenceAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < Timeouts.Quiet)
        {
            var frame = await TryReceiveAsync(Timeouts.Quiet - clock.Elapsed);
            Assert.True(frame is null || frame.Comment is not null, $"expected no frame, got {frame}");
        }
    }

    private async Task ReadLoopAsync()
    {
        using var reader = new StreamReader(_body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1024);
        string? id = null, type = null, comment = null;
        int? retry = null;
        var data = new StringBuilder();
        var hasData = false;
        try
        {
            while (true)
            {
                await _readGate.Task;
                var line = await reader.ReadLineAsync();
                if (line is null)
                {
                    break;
                }

                if (line.Length == 0)
                {
                    if (hasData || retry is not null || comment is not null || id is not null || type is not null)
                    {
                        _frames.Writer.TryWrite(new SseFrame(id, type, hasData ? data.ToString() : null, retry, comment));
                    }

                    (id, type, comment, retry, hasData) = (null, null, null, null, false);
                    data.Clear();
                    continue;
                }

                if (line[0] == ':')
                {
                    comment = line[1..].TrimStart();
                    continue;
                }

                var colon = line.IndexOf(':');
                var field = colon < 0 ? line : line[..colon];
                var value = colon < 0 ? "" : line[(colon + 1)..];
                if (value.StartsWith(' '))
                {
                    value = value[1..];
                }

                switch (field)
                {
                    case "id":
                        id = value;
                        break;
                    case "event":
                        type = value;
                        break;
                    case "retry":
                        retry = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                        break;
                    case "data":
                        if (hasData)
                        {
                            data.Append('\n');
                        }

                        data.Append(value);
                        hasData = true;
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or HttpRequestException)
        {
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }

    private static TaskCompletionSource OpenGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    public async ValueTask DisposeAsync()
    {
        _readGate.TrySetResult();
        _response.Dispose();
        _http.Dispose();
        await _reader.WaitAsync(Timeouts.Short).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
