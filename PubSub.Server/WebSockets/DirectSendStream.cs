using System.IO.Pipelines;
using System.Net.Sockets;

namespace PubSub.Server.WebSockets;

/// <summary>
/// A handed-off <c>/ws</c> connection's stream that reads from Kestrel's transport pipe and writes straight to the
/// socket: each batch the send loop gathers (<see cref="BatchingStream"/>) is one <c>send</c> from its own buffer, not
/// a copy into Kestrel's output pipe that Kestrel's sender then reads, sends and returns block by block. That path
/// was about 9 % of the server's samples at 300,000 deliveries/s (docs/benchmarks.md, "Round 2, continued: sends
/// straight to the socket").
/// </summary>
/// <remarks>
/// <para>Only for a session on the bare connection (<see cref="ConnectionHandoff"/>) whose transport runs its sender
/// inline (Kestrel's <c>UnsafePreferInlineScheduling</c>, <c>PubSub:Kestrel:InlineScheduling</c>, on by default).
/// The 101 went through Kestrel's output pipe; with inline scheduling the flush that wrote it also issued it to the
/// socket, and sends on one socket go out in the order they were issued, so nothing written here can overtake it.
/// (One case is left: a client that upgrades on a kept-alive connection without having read an earlier response
/// that filled the socket's buffer, so that Kestrel's sender is still waiting on that send when the 101 is flushed.
/// Its own stream can then be out of order; no one else's.) Without inline scheduling Kestrel's sender may not have
/// run yet, and the session keeps the pipe (<see cref="DuplexPipeStream"/>).</para>
/// <para>Kestrel still owns the socket: disposing this stream leaves it open, an abort of the connection fails a
/// pending send (as an <see cref="IOException"/>, as <see cref="NetworkStream"/> reports it), and the socket is shut
/// down and closed by Kestrel when the session's middleware returns.</para>
/// </remarks>
internal sealed class DirectSendStream : DuplexPipeStream
{
    private readonly Socket _socket;

    public DirectSendStream(IDuplexPipe transport, Socket socket)
        : base(transport)
    {
        _socket = socket;

        // Only this class's sends are synchronous calls, and they must never park the send loop's thread: a full
        // buffer returns at once and the rest is awaited. Kestrel's own use of the socket is asynchronous throughout.
        socket.Blocking = false;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            // Without waiting first: most batches fit in the socket's buffer, and a send that completes here allocates
            // nothing (an awaited one keeps an event-args object on the socket for the connection's life).
            var sent = _socket.Send(buffer.Span, SocketFlags.None, out var error);
            if (error is not (SocketError.Success or SocketError.WouldBlock))
            {
                return ValueTask.FromException(Closed(new SocketException((int)error)));
            }

            return sent == buffer.Length ? ValueTask.CompletedTask : SendRestAsync(buffer[sent..], cancellationToken);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return ValueTask.FromException(Closed(ex));
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // The socket's buffer is full (a slow reader): the rest goes when it drains. A stream socket's send completes when
    // every byte is in the kernel (it goes on after a partial send), and a later write waits for it (BatchingStream's gate).
    private async ValueTask SendRestAsync(ReadOnlyMemory<byte> rest, CancellationToken cancellationToken)
    {
        try
        {
            await _socket.SendAsync(rest, SocketFlags.None, cancellationToken);
        }
        catch (SocketException ex)
        {
            throw Closed(ex);
        }
    }

    private static IOException Closed(Exception inner) => new("The connection was closed while sending.", inner);
}
