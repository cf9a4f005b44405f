using System.Text.Json;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Tenants;

/// <summary>
/// Two tenants and an operator (PROTOCOL.md §4): <see cref="Alpha"/> holds every right on <c>a*</c>, <see cref="Beta"/>
/// on <c>b*</c>, <see cref="Admin"/> on everything.
/// </summary>
internal static class Tenancy
{
    public const string Admin = "tenancy-admin-key-00000001";
    public const string Alpha = "tenancy-alpha-key-00000002";
    public const string Beta = "tenancy-beta-key-000000003";

    public static Dictionary<string, string?> Keys(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["PubSub:Auth:Enabled"] = "true",
            ["PubSub:Auth:Keys:0:Key"] = Admin,
            ["PubSub:Auth:Keys:0:Name"] = "admin",
            ["PubSub:Auth:Keys:1:Key"] = Alpha,
            ["PubSub:Auth:Keys:1:Name"] = "alpha",
            ["PubSub:Auth:Keys:1:Topics:0"] = "a*",
            ["PubSub:Auth:Keys:2:Key"] = Beta,
            ["PubSub:Auth:Keys:2:Name"] = "beta",
            ["PubSub:Auth:Keys:2:Topics:0"] = "b*",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>A <c>/ws</c> client of <paramref name="key"/> that names itself by its user agent.</summary>
    public static Task<WsClient> ConnectAsync(TestServer server, string key, string agent) =>
        server.ConnectAsync(o =>
        {
            o.SetRequestHeader("X-API-Key", key);
            o.SetRequestHeader("User-Agent", agent);
        });

    /// <summary>Every page of <c>GET /api/connections/</c> as <paramref name="key"/> sees it, walked with <c>next_cursor</c>.</summary>
    public static async Task<List<JsonElement>> ListAllAsync(TestServer server, string? key, int limit = 100)
    {
        var all = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var (status, body) = await server.SendAsync(HttpMethod.Get, $"/api/connections/?limit={limit}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"), null, key);
            Assert.Equal(200, status);
            Assert.Empty(body.GetProperty("unanswered").EnumerateArray());
            all.AddRange(body.GetProperty("connections").EnumerateArray());
            cursor = body.GetProperty("next_cursor").ValueKind == JsonValueKind.String ? body.GetProperty("next_cursor").GetString() : null;
        }
        while (cursor is not null);
        return all;
    }

    public static string? Agent(JsonElement connection) => connection.GetProperty("user_agent").GetString();

    public static List<string> Topics(JsonElement connection) => [.. connection.GetProperty("topics").EnumerateArray().Select(t => t.GetString()!)];
}
