using System.Globalization;
using System.Text.Json;

namespace PubSub.Dashboard.Services;

/// <summary>The publisher view's templates: the seed's (order, notification, chat) and a few more.</summary>
public static class MessageTemplates
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static IReadOnlyList<MessageTemplate> All { get; } =
    [
        new("Order", "orders", r => Write(new
        {
            order_id = $"ORD-{r.Next(1000, 9999)}",
            amount = (r.Next(500, 50000) / 100m).ToString("0.00", CultureInfo.InvariantCulture),
            currency = "USD",
            items = r.Next(1, 6),
        })),
        new("Notification", "notifications", r => Write(new
        {
            title = "Build finished",
            body = $"Pipeline #{r.Next(100, 999)} passed",
            level = "info",
        })),
        new("Chat", "chat", r => Write(new
        {
            user = Pick(r, "ada", "linus", "grace", "ken"),
            text = Pick(r, "hello everyone", "anyone up for lunch?", "deploy is green", "brb"),
            room = "general",
        })),
        new("Sensor reading", "sensors", r => Write(new
        {
            sensor_id = $"th-{r.Next(1, 20):00}",
            temperature_c = Math.Round(18 + (r.NextDouble() * 10), 1),
            humidity = Math.Round(30 + (r.NextDouble() * 40), 1),
            ts = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        })),
        new("User event", "user-events", r => Write(new
        {
            user_id = r.Next(1, 10000),
            @event = Pick(r, "signed_in", "signed_out", "password_changed"),
        })),
        new("Log line", "logs", r => Write(new
        {
            level = Pick(r, "INFO", "WARN", "ERROR"),
            service = Pick(r, "api", "worker", "billing"),
            message = "request handled",
            duration_ms = r.Next(1, 900),
        })),
    ];

    private static string Write<T>(T value) => JsonSerializer.Serialize(value, Json);

    private static string Pick(Random r, params string[] choices) => choices[r.Next(choices.Length)];
}
