using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using PubSub.Core;
using PubSub.Dashboard.Components.Shared;
using PubSub.Dashboard.Services;

namespace PubSub.Tests.Dashboard;

public sealed class RateChartTests : DashboardTestContext
{
    private static BrokerStats Stats(long published, long delivered) =>
        new(TimeSpan.Zero, [], 0, new Dictionary<string, int>(), published, delivered, 0);

    [Fact]
    public void Says_it_is_collecting_before_the_first_samples()
    {
        var cut = Render<RateChart>();

        Assert.Contains("Collecting samples", cut.Markup);
    }

    [Fact]
    public void Draws_the_in_and_out_series_once_samples_arrive()
    {
        var history = Services.GetRequiredService<RateHistory>();
        var cut = Render<RateChart>();
        var t0 = DateTimeOffset.UnixEpoch;

        history.Add(Stats(0, 0), t0);
        history.Add(Stats(100, 200), t0.AddSeconds(1));

        cut.WaitForAssertion(() =>
        {
            // The chart sizes itself to its box through JS, which bUnit does not run: check that it is there.
            Assert.NotNull(cut.Find(".mud-chart"));
            Assert.DoesNotContain("Collecting samples", cut.Markup);
            var series = cut.FindComponent<MudChart<double>>().Instance.ChartSeries;
            Assert.Equal(["In (published/s)", "Out (delivered/s)"], series.Select(s => s.Name));
            Assert.Equal(100, series[0].Data.Values[^1]);
            Assert.Equal(200, series[1].Data.Values[^1]);
        }, Wait);
    }
}
