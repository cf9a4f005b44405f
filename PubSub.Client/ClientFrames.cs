using System.Buffers;
using System.Text.Json;

namespace PubSub.Client;

/// <summary>The client → server frames of PROTOCOL.md §2 (standard dialect), as UTF-8 JSON text messages.</summary>
internal static class ClientFrames
{
    public static byte[] Subscribe(string requestId, string topic, string clientId, SubscribeFrom from) =>
        Write(w =>
        {
            w.WriteString("type", "subscribe");
            w.WriteString("topic", topic);
            w.WriteString("client_id", clientId);
            switch (from)
            {
                case SubscribeFrom.AfterPosition after:
                    w.WriteNumber("since_seq", after.Seq);
                    if (after.Epoch is not null)
                    {
                        w.WriteString("epoch", after.Epoch);
                    }

                    break;
                case SubscribeFrom.LastMessages { Count: > 0 } last:
                    w.WriteNumber("last_n", last.Count);
                    break;
            }

            w.WriteString("request_id", requestId);
        });

    public static byte[] Unsubscribe(string requestId, string topic, string clientId) =>
        Write(w =>
        {
            w.WriteString("type", "unsubscribe");
            w.WriteString("topic", topic);
            w.WriteString("client_id", clientId);
            w.WriteString("request_id", requestId);
        });

    public static byte[] Publish(string requestId, string topic, string clientId, string messageId, JsonElement payload, string idempotencyKey) =>
        Write(w =>
        {
            w.WriteString("type", "publish");
            w.WriteString("topic", topic);
            w.WriteString("client_id", clientId);
            w.WriteStartObject("message");
            w.WriteString("id", messageId);
            w.WritePropertyName("payload");
            payload.WriteTo(w);
            w.WriteEndObject();
            w.WriteString("idempotency_key", idempotencyKey);
            w.WriteString("request_id", requestId);
        });

    public static byte[] Ping(string requestId) =>
        Write(w =>
        {
            w.WriteString("type", "ping");
            w.WriteString("request_id", requestId);
        });

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
