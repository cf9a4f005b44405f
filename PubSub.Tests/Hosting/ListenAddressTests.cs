using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using PubSub.Server.Hosting;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hosting;

/// <summary>
/// Where the server listens under <c>dotnet run</c>: <c>--urls</c>, <c>Urls</c> and <c>ASPNETCORE_URLS</c> as ASP.NET Core
/// documents them (the launch profile pins no address), and http://localhost:8000 when none is given.
/// </summary>
public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("--urls")]
    [InlineData("ASPNETCORE_URLS")]
    [InlineData("Urls")]
    public async Task Dotnet_run_listens_where_it_is_told(string how)
    {
        var root = Repository.RequiredRoot;
        var port = ServerProcess.FreePort();
        var url = $"http://127.0.0.1:{port}";

        // The configuration the tests were built in (bin/<Configuration>/net10.0/): --no-build runs that build.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        List<string> args = ["run", "--no-build", "-c", configuration, "--project", Path.Combine(root, "PubSub.Server")];
        var environment = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" };
        if (how == "--urls")
        {
            args.AddRange(["--urls", url]);
        }
        else
        {
            environment[how] = url;
        }

        await using var server = ServerProcess.Start(args, root, environment);
        await server.WaitUntilHealthyAsync(new Uri(url));
    }

    [Fact]
    public void The_launch_profile_pins_no_address()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.RequiredRoot, "PubSub.Server", "Properties", "launchSettings.json")));
        foreach (var profile in settings.RootElement.GetProperty("profiles").EnumerateObject())
        {
            Assert.False(profile.Value.TryGetProperty("applicationUrl", out _), $"profile {profile.Name} sets applicationUrl, which overrides ASPNETCORE_URLS and --urls");
            if (profile.Value.TryGetProperty("environmentVariables", out var variables))
            {
                Assert.False(variables.TryGetProperty("ASPNETCORE_URLS", out _), $"profile {profile.Name} sets ASPNETCORE_URLS");
            }
        }
    }

    [Fact]
    public async Task Without_an_address_the_server_listens_on_localhost_8000()
    {
        // Built, not started: port 8000 may be taken on this machine.
        var app = PubSubServer.Build([]);
        await using var appDisposal = app.DisposeWithin();
        Assert.Equal(PubSubServer.DefaultUrl, app.Configuration[WebHostDefaults.ServerUrlsKey]);
        Assert.Equal("http://localhost:8000", PubSubServer.DefaultUrl);
    }
}
