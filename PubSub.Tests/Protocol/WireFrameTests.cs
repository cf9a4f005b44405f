using System.Net.WebSockets;
using System.Text;
using PubSub.Server.WebSockets;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol;

/// <summary>
/// The ready-made frames the send loop writes (RFC 6455 §5.2), read back by .NET's own WebSocket client at every
/// length-encoding boundary: 7-bit, 16-bit and 64-bit lengths.
/// </summary>
public sealed class WireFrameTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    [InlineData(200_000)]
    public async Task A_client_WebSocket_reads_the_frame_as_one_whole_text_message(int length)
    {
        var text = string.Create(length, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + (i % 26));
            }
        });
        var frame = WireFrame.Text(Encoding.UTF8.GetBytes(text));
        Assert.Equal(Encoding.UTF8.GetBytes(text), WireFrame.Payload(frame).ToArray());

        // Two frames back to back, as a batch puts them.
        using var wire = new MemoryStream(frame.Concat(frame).ToArray());
        using var client = WebSocket.CreateFromStream(new DuplexStream(wire, Stream.Null), new WebSocketCreationOptions { IsServer = false });

        for (var n = 0; n < 2; n++)
        {
            var (type, received) = await ReadMessageAsync(client).Within();
            Assert.Equal(WebSocketMessageType.Text, type);
            Assert.Equal(text, received);
        }
    }

    private static async Task<(WebSocketMessageType Type, string Text)> ReadMessageAsync(WebSocket socket)
    {
        using var message = new MemoryStream();
        var buffer = new byte[8192];
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return (result.MessageType, Encoding.UTF8.GetString(message.ToArray()));
    }

    private sealed class DuplexStream(Stream read, Stream write) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => read.ReadAsync(buffer, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => read.Read(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => write.WriteAsync(buffer, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => write.Write(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
