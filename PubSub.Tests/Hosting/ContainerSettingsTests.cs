using System.Text.RegularExpressions;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hosting;

/// <summary>The Docker image runs with the settings docs/benchmarks.md measured: workstation GC and Kestrel's inline scheduling.</summary>
public sealed class ContainerSettingsTests
{
    [Fact]
    public void The_image_keeps_the_measured_runtime_settings()
    {
        var root = Repository.RequiredRoot;
        var dockerfile = File.ReadAllText(Path.Combine(root, "Dockerfile"));
        var compose = File.ReadAllText(Path.Combine(root, "docker-compose.yml"));
        var project = File.ReadAllText(Path.Combine(root, "PubSub.Server", "PubSub.Server.csproj"));

        Assert.Contains("<ServerGarbageCollection>false</ServerGarbageCollection>", project, StringComparison.Ordinal);
        foreach (var (file, text) in new[] { ("Dockerfile", dockerfile), ("docker-compose.yml", compose) })
        {
            Assert.False(Regex.IsMatch(text, @"^[^#]*DOTNET_gcServer\s*[=:]\s*""?1", RegexOptions.Multiline), $"{file} switches to server GC");
            Assert.False(Regex.IsMatch(text, @"^[^#]*(PubSub__Kestrel__InlineScheduling|DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS)", RegexOptions.Multiline),
                $"{file} changes the socket scheduling that was measured");
        }

        Assert.Matches(@"(?m)^ENV Urls=http://\+:8000", dockerfile);
    }
}
