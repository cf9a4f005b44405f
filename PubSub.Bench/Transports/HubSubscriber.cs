using Microsoft.AspNetCore.SignalR.Client;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>A hub subscriber: <c>Event</c> and <c>Error</c> handlers feed the sink; pausing blocks the handler, which stops the client's receive loop.</summary>
internal sealed class HubSubscriber : IBenchSubscriber
{
    private readonly HubConnection _connection;
    private readonly ReadGate _gate = new();

    public HubSubscriber(HubConnection connection, IEventSink sink)
    {
        _connection = connection;
        connection.On<object>("Event", evt =>
        {
            if (HubTransport.TryReadEvent(evt, out var ticks, out var publisher, out var topic, out var counter))
            {
                sink.OnEvent(ticks, publisher, topic, counter);
            }
            else
            {
                sink.OnMalformed();
            }

            return _gate.Task ?? Task.CompletedTask;
        });
        connection.On<object>("Error", error =>
        {
            var (code, text) = HubTransport.ReadError(error);
            sink.OnError(code, text);
        });
        connection.On<object>("Info", _ => { });
        connection.Closed += ex =>
        {
            sink.OnClosed(ex is null ? "closed" : $"closed: {ex.Message}");
            return Task.CompletedTask;
        };
    }

    public void Pause() => _gate.Pause();

    public void Resume() => _gate.Resume();

    public async ValueTask DisposeAsync()
    {
        Resume();
        await _connection.DisposeAsync();
    }
}
