using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Access;

/// <summary>The keys the access tests configure, and settings that turn auth on with them.</summary>
internal static class AccessKeys
{
    public const string Admin = "admin-key-0123456789abcdef";

    /// <summary><c>read</c> on <c>orders*</c>.</summary>
    public const string OrdersReader = "orders-reader-0123456789ab";

    /// <summary><c>subscribe</c> on <c>orders*</c>: the key of issue 10 item 2.</summary>
    public const string OrdersSubscriber = "orders-subscriber-0123456789";

    public static Dictionary<string, string?> Settings(params (string Key, string Name, string[] Topics, string[] Operations)[] keys)
    {
        var settings = new Dictionary<string, string?> { ["PubSub:Auth:Enabled"] = "true" };
        for (var i = 0; i < keys.Length; i++)
        {
            settings[$"PubSub:Auth:Keys:{i}:Key"] = keys[i].Key;
            settings[$"PubSub:Auth:Keys:{i}:Name"] = keys[i].Name;
            for (var t = 0; t < keys[i].Topics.Length; t++)
            {
                settings[$"PubSub:Auth:Keys:{i}:Topics:{t}"] = keys[i].Topics[t];
            }

            for (var o = 0; o < keys[i].Operations.Length; o++)
            {
                settings[$"PubSub:Auth:Keys:{i}:Operations:{o}"] = keys[i].Operations[o];
            }
        }

        return settings;
    }

    /// <summary>Admin (everything), the orders reader and the orders subscriber.</summary>
    public static Dictionary<string, string?> Standard() => Settings(
        (Admin, "admin", [], []),
        (OrdersReader, "orders-reader", ["orders*"], ["read"]),
        (OrdersSubscriber, "orders-subscriber", ["orders*"], ["subscribe"]));

    /// <summary>The topics <see cref="StartAsync"/> creates: two in the <c>orders*</c> scope, one outside it.</summary>
    public static readonly string[] Topics = ["orders-eu", "orders-us", "payments"];

    /// <summary>A real server with <see cref="Standard"/> keys and <see cref="Topics"/>, created over REST by the admin key.</summary>
    public static async Task<TestServer> StartAsync()
    {
        var server = await TestServer.StartAsync(Standard());
        foreach (var topic in Topics)
        {
            var (status, _) = await server.SendAsync(HttpMethod.Post, "/api/topics/create/", $$"""{"name":"{{topic}}"}""", Admin);
            Assert.Equal(201, status);
        }

        return server;
    }
}
