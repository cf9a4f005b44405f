using System.Buffers;
using System.Net.WebSockets;

namespace PubSub.Server.WebSockets;

/// <summary>
/// The upgraded connection's stream, shared by two writers: the session's send loop, which writes whole
/// batches of ready-made frames (see <see cref="WireFrame"/>), and the <see cref="System.Net.WebSockets.WebSocket"/>,
/// which writes only control frames (pong, keep-alive ping, close). A batch is gathered in one buffer and
/// reaches the socket in one write (one flush, one syscall), as a Redis client's output buffer does.
/// </summary>
/// <remarks>
/// One gate serializes the two writers, so a control frame can only fall between two whole frames of a batch.
/// </remarks>
internal sealed class BatchingStream(Stream inner) : Stream
{
    private const int FlushThreshold = 64 * 1024;

    private readonly SemaphoreSlim _gate = new(1, 1);
    // Rented for a batch and returned after it, so an idle connection holds no buffer.
    private byte[]? _buffer;
    private int _count;

    private WebSocket? _socket;
    private Action? _abort;

    /// <summary>
    /// When the stream is disposed with <paramref name="socket"/> aborted, <paramref name="abort"/> runs first. The
    /// WebSocket disposes its stream to abort (a keep-alive ping left unanswered, say), and disposing the transport's
    /// stream does not wake a read pending on it: this lets the endpoint drop the connection itself then.
    /// </summary>
    public void AbortWith(WebSocket socket, Action abort)
    {
        _socket = socket;
        _abort = abort;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Takes the write gate for a batch: <see cref="Append"/> frames, then <see cref="EndBatchAsync"/>.</summary>
    public Task BeginBatchAsync() => _gate.WaitAsync();

    /// <summary>
    /// Adds one whole frame to the batch. True when the batch has grown past the flush threshold: the caller
    /// should <see cref="FlushBatchAsync"/> before it appends more.
    /// </summary>
    public bool Append(ReadOnlySpan<byte> frame)
    {
        _buffer ??= ArrayPool<byte>.Shared.Rent(Math.Max(16 * 1024, frame.Length));
        if (_count + frame.Length > _buffer.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _count + frame.Length));
            _buffer.AsSpan(0, _count).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = grown;
        }

        frame.CopyTo(_buffer.AsSpan(_count));
        _count += frame.Length;
        return _count >= FlushThreshold;
    }

    /// <summary>Writes what the batch gathered so far; the batch goes on.</summary>
    public async ValueTask FlushBatchAsync()
    {
        if (_count == 0)
        {
            return;
        }

        var count = _count;
        _count = 0;
        await inner.WriteAsync(_buffer.AsMemory(0, count));
    }

    /// <summary>Writes the rest of the batch and releases the gate.</summary>
    public async ValueTask EndBatchAsync()
    {
        try
        {
            await FlushBatchAsync();
        }
        finally
        {
            _count = 0;
            if (_buffer is { } buffer)
            {
                _buffer = null;
                ArrayPool<byte>.Shared.Return(buffer);
            }

            _gate.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await inner.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (_socket?.State == WebSocketState.Aborted)
            {
                _abort?.Invoke();
            }

            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
