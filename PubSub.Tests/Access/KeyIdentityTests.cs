using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PubSub.Core.Access;
using PubSub.Tests.Infrastructure;
using PubSub.Tests.Protocol;

namespace PubSub.Tests.Access;

/// <summary>Issue 10 item 3: key names are unique (the server refuses to start otherwise) and rights belong to the key, never to its name.</summary>
public sealed class KeyIdentityTests
{
    private const string Restricted = "restricted-key-0123456789";

    [Fact]
    public async Task Two_keys_with_the_same_name_refuse_the_start()
    {
        var settings = AccessKeys.Settings((AccessKeys.Admin, "ops", [], []), (Restricted, "ops", ["orders*"], ["subscribe"]));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestServer.StartAsync(settings)).Within();

        Assert.Contains("keys 0 and 1 have the same Name 'ops'", ex.Message);
    }

    [Fact]
    public async Task An_explicit_name_that_clashes_with_an_unnamed_keys_default_refuses_the_start()
    {
        var settings = new Dictionary<string, string?>
        {
            ["PubSub:Auth:Enabled"] = "true",
            ["PubSub:Auth:Keys:0:Key"] = AccessKeys.Admin,
            ["PubSub:Auth:Keys:1:Key"] = Restricted,
            ["PubSub:Auth:Keys:1:Name"] = "key-0",
        };

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestServer.StartAsync(settings)).Within();

        Assert.Contains("same Name 'key-0'", ex.Message);
    }

    [Fact]
    public async Task An_unknown_operation_refuses_the_start_and_read_is_known()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestServer.StartAsync(AccessKeys.Settings((AccessKeys.Admin, "admin", [], ["delete"])))).Within();
        Assert.Contains("unknown operation 'delete' (use publish, subscribe, read, manage)", ex.Message);

        await using var server = await TestServer.StartAsync(AccessKeys.Settings((AccessKeys.Admin, "admin", [], ["read", "MANAGE"])));
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/topics", """{"name":"orders-1"}""", AccessKeys.Admin)).Status);
        Assert.Equal(200, (await server.SendAsync(HttpMethod.Get, "/topics/orders-1", apiKey: AccessKeys.Admin)).Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_restricted_key_never_gets_the_admin_keys_rights_whatever_the_order(bool restrictedFirst)
    {
        (string, string, string[], string[]) admin = (AccessKeys.Admin, "admin", [], []);
        (string, string, string[], string[]) restricted = (Restricted, "restricted", ["orders*"], ["subscribe"]);
        await using var server = await TestServer.StartAsync(restrictedFirst ? AccessKeys.Settings(restricted, admin) : AccessKeys.Settings(admin, restricted));

        Assert.Equal(403, (await server.SendAsync(HttpMethod.Post, "/topics", """{"name":"orders-1"}""", Restricted)).Status);
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/topics", """{"name":"orders-1"}""", AccessKeys.Admin)).Status);
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/topics", """{"name":"payments"}""", AccessKeys.Admin)).Status);
        Assert.Equal(403, (await server.SendAsync(HttpMethod.Delete, "/topics/orders-1", apiKey: Restricted)).Status);
        Assert.Equal(403, (await server.SendAsync(HttpMethod.Post, "/topics/orders-1/messages", """{"payload":1}""", Restricted)).Status);

        await using var ws = await WsClient.ConnectAsync(new Uri($"{server.WsUri}?api_key={Restricted}"));
        await ws.SubscribeAsync("orders-1");
        await ws.SendAsync(new { type = "subscribe", topic = "payments", client_id = "c", request_id = "s" });
        WireAssert.IsError(await ws.ReceiveAsync(), "FORBIDDEN", "s");
    }

    [Fact]
    public async Task A_principal_that_only_names_a_key_has_no_rights()
    {
        await using var server = await TestServer.StartAsync(AccessKeys.Settings((AccessKeys.Admin, "admin", [], []), (Restricted, "restricted", ["orders*"], ["subscribe"])));
        var authorizer = server.Services.GetRequiredService<IPubSubAuthorizer>();
        var admin = authorizer.Authenticate(AccessKeys.Admin, "ApiKey")!;

        // A name, in any claim, is not a key: rights are looked up by the key's id only.
        var namedOnly = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin"), new Claim("pubsub:key", "admin")], "ApiKey"));
        Assert.False(authorizer.IsAllowed(namedOnly, PubSubOperation.Manage, "orders-1"));
        Assert.False(authorizer.CanSee(namedOnly, "orders-1"));

        Assert.True(authorizer.IsAllowed(admin, PubSubOperation.Manage, "payments"));
        var restricted = authorizer.Authenticate(Restricted, "ApiKey")!;
        Assert.NotEqual(IPubSubAuthorizer.KeyIdOf(admin), IPubSubAuthorizer.KeyIdOf(restricted));
        Assert.Equal("restricted", restricted.Identity!.Name);
        Assert.False(authorizer.IsAllowed(restricted, PubSubOperation.Manage, "orders-1"));
        Assert.True(authorizer.IsAllowed(restricted, PubSubOperation.Subscribe, "orders-1"));
    }
}
