using System.Globalization;

namespace PubSub.Dashboard.Components.Shared;

/// <summary>How the pages write times, durations and rates.</summary>
internal static class Format
{
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Clock(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan span) => span.TotalDays >= 1
        ? $"{(int)span.TotalDays}d {span.Hours}h {span.Minutes}m"
        : span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes}m {span.Seconds}s"
        : span.TotalMinutes >= 1 ? $"{span.Minutes}m {span.Seconds}s"
        : $"{span.Seconds}s";

    /// <summary>How long ago, in whole seconds up to a minute: "0 s ago", "12 s ago", then as <see cref="Duration"/>.</summary>
    public static string Ago(TimeSpan age) => age < TimeSpan.FromMinutes(1)
        ? $"{Math.Max(0, (int)age.TotalSeconds)} s ago"
        : $"{Duration(age)} ago";

    public static string Rate(double perSecond) => perSecond >= 100
        ? perSecond.ToString("N0", CultureInfo.InvariantCulture)
        : perSecond.ToString("0.#", CultureInfo.InvariantCulture);

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
