using System.Text;
using BenchmarkDotNet.Attributes;
using PubSub.Core;
using PubSub.Server.WebSockets;

namespace PubSub.Bench.Micro;

/// <summary>The /ws wire work per message: encoding the event frame (once per message), and parsing client requests.</summary>
[MemoryDiagnoser]
public class WsFrameBenchmarks
{
    private PublishedMessage _message = null!;
    private byte[] _publishFrame = [];
    private byte[] _subscribeFrame = [];
    private byte[] _payload = [];

    [Params(256, 4096)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[PayloadBytes];
        var n = Measurement.BenchPayload.Write(_payload, PayloadBytes, 123456789, 0, 0, 1);
        _payload = _payload[..n];
        _message = new PublishedMessage("orders", 42, "550e8400-e29b-41d4-a716-446655440000", _payload, "p1", DateTimeOffset.UtcNow);
        _publishFrame = Encoding.UTF8.GetBytes(
            $"{{\"type\":\"publish\",\"topic\":\"orders\",\"client_id\":\"p1\",\"message\":{{\"id\":\"550e8400-e29b-41d4-a716-446655440000\",\"payload\":{Encoding.UTF8.GetString(_payload)}}},\"request_id\":\"r-3\"}}");
        _subscribeFrame = """{"type":"subscribe","topic":"orders","client_id":"s1","last_n":5,"request_id":"550e8400-e29b-41d4-a716-446655440000"}"""u8.ToArray();
    }

    [Benchmark(Description = "WsFrames.Event (encode one event frame)")]
    public byte[] EncodeEvent() => WsFrames.Event(_message);

    [Benchmark(Description = "GetEncoded on a fresh message (encode + cache)")]
    public byte[] EncodeCached()
    {
        var fresh = new PublishedMessage(_message.Topic, _message.Seq, _message.Id, _message.Payload, _message.PublisherId, _message.Timestamp);
        return fresh.GetEncoded(WsEventEncoding.Instance);
    }

    [Benchmark(Description = "GetEncoded cache hit (each further subscriber)")]
    public byte[] EncodedHit() => _message.GetEncoded(WsEventEncoding.Instance);

    [Benchmark(Description = "WsRequestParser.TryParse publish")]
    public bool ParsePublish() => WsRequestParser.TryParse(_publishFrame, 100, out _, out _);

    [Benchmark(Description = "WsRequestParser.TryParse subscribe")]
    public bool ParseSubscribe() => WsRequestParser.TryParse(_subscribeFrame, 100, out _, out _);
}
