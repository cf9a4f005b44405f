using System.Reflection;
using Microsoft.Extensions.Logging;

namespace PubSub.Tests.Hosting;

/// <summary>
/// One server process logs from Core, the server and the dashboard: an event id there names one event, so that an
/// operator filtering the JSON log (<c>EventId</c>) or an alert on it gets that event and no other.
/// </summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void Every_log_event_of_the_server_process_has_an_id_of_its_own()
    {
        Assembly[] process = [typeof(PubSub.Core.PubSubBroker).Assembly, typeof(PubSub.Server.Hosting.PubSubServer).Assembly, typeof(PubSub.Dashboard.DashboardExtensions).Assembly];
        var events = process
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(e => e.Attribute is not null)
            .Select(e => (Id: e.Attribute!.EventId, Name: $"{e.Method.DeclaringType!.FullName}.{e.Method.Name}"))
            .ToList();

        Assert.True(events.Count > 50, $"only {events.Count} log events found: the scan is not seeing them");
        var shared = events.GroupBy(e => e.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Name))}")
            .ToList();
        Assert.True(shared.Count == 0, "log event ids used by more than one event:\n" + string.Join("\n", shared));
    }
}
