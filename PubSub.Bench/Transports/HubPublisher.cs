using Microsoft.AspNetCore.SignalR.Client;

namespace PubSub.Bench.Transports;

/// <summary>A hub publisher: <c>Publish</c> invocations, up to the window in flight; each completion is the ack.</summary>
internal sealed class HubPublisher(HubConnection connection, PublisherSpec spec) : IBenchPublisher
{
    private readonly string _clientId = $"bench-p{spec.Index}";
    private readonly string _pad = new('x', Math.Max(0, spec.PayloadBytes - 64));

    public ValueTask SendAsync(int topic, long counter, long sendTicks = 0)
    {
        var request = new HubPublishRequest
        {
            Topic = spec.Topics[topic],
            ClientId = _clientId,
            Payload = new HubBenchPayload
            {
                Bt = sendTicks == 0 ? System.Diagnostics.Stopwatch.GetTimestamp() : sendTicks,
                Bp = spec.Index,
                Bk = topic,
                Bn = counter,
                X = _pad,
            },
        };
        _ = AwaitAckAsync(connection.InvokeAsync<object>("Publish", request));
        return ValueTask.CompletedTask;
    }

    private async Task AwaitAckAsync(Task<object> invocation)
    {
        try
        {
            await invocation;
            spec.Window.Ack();
        }
        catch (Exception ex)
        {
            spec.Window.Error(ex.Message);
        }
    }

    public async ValueTask DisposeAsync() => await connection.DisposeAsync();
}
