using System.Buffers;

namespace PubSub.Server.WebSockets;

/// <summary>
/// The upgraded connection's stream, with one trick: between <see cref="BeginBatch"/> and
/// <see cref="EndBatchAsync"/> writes are gathered in a buffer and reach the socket in one write (one flush,
/// one syscall) at the end. The send loop brackets every batch it drains from the queue, so N queued frames
/// cost one send, as a Redis client's output buffer does. Outside a batch, writes (keep-alive pings, pongs,
/// the close frame) go straight through.
/// </summary>
/// <remarks>
/// The WebSocket serializes its own sends, but control frames it writes from its receive path (a pong) may
/// come while the send loop flushes, so every touch of the inner stream and of the buffer is under one lock.
/// </remarks>
internal sealed class BatchingStream(Stream inner) : Stream
{
    private const int FlushThreshold = 64 * 1024;

    private readonly SemaphoreSlim _lock = new(1, 1);
    // Rented for a batch and returned after it, so an idle connection holds no buffer.
    private byte[]? _buffer;
    private int _count;
    private bool _batching;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Gather writes from now on.</summary>
    public void BeginBatch() => Volatile.Write(ref _batching, true);

    /// <summary>Write everything gathered since <see cref="BeginBatch"/>, and stop gathering.</summary>
    public async ValueTask EndBatchAsync(CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            _batching = false;
            await WriteBufferedLockedAsync(cancellationToken);
            ReturnBuffer();
        }
        finally
        {
            _lock.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_batching)
            {
                Append(buffer.Span);
                if (_count >= FlushThreshold)
                {
                    await WriteBufferedLockedAsync(cancellationToken);
                }

                return;
            }

            await WriteBufferedLockedAsync(cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _batching) ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

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
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void ReturnBuffer()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        _buffer ??= ArrayPool<byte>.Shared.Rent(Math.Max(16 * 1024, data.Length));
        if (_count + data.Length > _buffer.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _count + data.Length));
            _buffer.AsSpan(0, _count).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = grown;
        }

        data.CopyTo(_buffer.AsSpan(_count));
        _count += data.Length;
    }

    private async ValueTask WriteBufferedLockedAsync(CancellationToken cancellationToken)
    {
        if (_count == 0)
        {
            return;
        }

        var count = _count;
        _count = 0;
        await inner.WriteAsync(_buffer!.AsMemory(0, count), cancellationToken);
    }
}
