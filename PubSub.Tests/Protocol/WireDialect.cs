using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Server.Hosting;
using PubSub.Tests.Infrastructure;
using PubSub.Tests.Protocol.Seed;

namespace PubSub.Tests.Protocol;

/// <summary>
/// A test's view of one <c>/ws</c> dialect (<see cref="WsDialect"/>): how to start a server speaking it, connect,
/// subscribe, publish, and read its event and error frames. For tests that state one behaviour for both dialects.
/// </summary>
internal abstract class WireDialect
{
    public static WireDialect For(WsDialect dialect) => dialect == WsDialect.Seed ? new SeedDialect() : new StandardDialect();

    /// <summary>A server speaking this dialect, with <paramref name="settings"/> (the topic must be created by <see cref="CreateTopicAsync"/>).</summary>
    public Task<TestServer> StartAsync(IDictionary<string, string?> settings, Action<IServiceCollection>? services = null) =>
        TestServer.StartAsync(new Dictionary<string, string?>(settings) { [SeedWire.DialectKey] = Name }, services);

    public static Task CreateTopicAsync(TestServer server, string topic) => server.CreateTopicAsync(topic);

    protected abstract string Name { get; }

    public abstract Task<WsClient> ConnectAsync(TestServer server);

    /// <summary>Subscribes and reads the reply.</summary>
    public abstract Task SubscribeAsync(WsClient client, string topic, string clientId);

    /// <summary>Publishes and reads the reply.</summary>
    public abstract Task PublishAsync(WsClient client, string topic, object payload);

    /// <summary>The seq of an event frame of <paramref name="topic"/>, after checking its shape; null when the frame is an error.</summary>
    public abstract long? EventSeq(JsonElement frame, string topic);

    /// <summary>The text of an error frame with <paramref name="code"/>, after checking its shape.</summary>
    public abstract string ErrorText(JsonElement frame, string code, string? contains = null);

    private sealed class StandardDialect : WireDialect
    {
        protected override string Name => "Standard";

        public override Task<WsClient> ConnectAsync(TestServer server) => server.ConnectAsync();

        public override Task SubscribeAsync(WsClient client, string topic, string clientId) => client.SubscribeAsync(topic, clientId);

        public override async Task PublishAsync(WsClient client, string topic, object payload)
        {
            await client.PublishAsync(topic, payload);
            await client.ExpectAsync("ack");
        }

        public override long? EventSeq(JsonElement frame, string topic) =>
            frame.GetProperty("type").GetString() == "error" ? null : WireAssert.IsEvent(frame, topic);

        public override string ErrorText(JsonElement frame, string code, string? contains = null)
        {
            WireAssert.IsError(frame, code, null, contains);
            return frame.GetProperty("error").GetProperty("message").GetString()!;
        }
    }

    private sealed class SeedDialect : WireDialect
    {
        protected override string Name => "Seed";

        public override Task<WsClient> ConnectAsync(TestServer server) => SeedWire.ConnectClientAsync(server);

        public override Task SubscribeAsync(WsClient client, string topic, string clientId) => client.SeedSubscribeAsync(topic, clientId);

        public override Task PublishAsync(WsClient client, string topic, object payload) => client.SeedPublishAsync(topic, payload);

        public override long? EventSeq(JsonElement frame, string topic)
        {
            if (frame.GetProperty("type").GetString() == "error")
            {
                return null;
            }

            SeedAssert.IsMessage(frame, topic, frame.GetProperty("publisher_client_id").GetString());
            return SeedAssert.Seq(frame);
        }

        public override string ErrorText(JsonElement frame, string code, string? contains = null) => SeedAssert.IsError(frame, code, null, contains);
    }
}
