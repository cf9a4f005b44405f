using System.Diagnostics;
using System.Text.RegularExpressions;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Deploy;

/// <summary>
/// docker-compose.yml and deploy/haproxy/haproxy.cfg agree: compose gives the proxy every variable the file reads,
/// HAProxy accepts the file with compose's values, and every node service has a server line with a cookie of its
/// name. (No Docker engine here: the compose file itself is validated by docker-compose in .ci/run.)
/// </summary>
public sealed partial class DeployFilesTests
{
    /// <summary>README and docs/deploy.md give one recipe for Redis and two nodes, and Redis's files stay out of the checkout.</summary>
    [Fact]
    public void The_local_cluster_recipe_is_the_same_in_both_docs_and_keeps_Redis_files_out_of_the_checkout()
    {
        string Recipe(string file) => Assert.Single(
            BashBlocks().Matches(File.ReadAllText(Path.Combine(Repository.RequiredRoot, file))).Select(m => m.Groups[1].Value),
            block => block.Contains("redis-server", StringComparison.Ordinal) && block.Contains("NodeId", StringComparison.Ordinal));

        var recipe = Recipe("README.md");
        Assert.Equal(recipe, Recipe(Path.Combine("docs", "deploy.md")));
        var redis = Assert.Single(recipe.Split('\n'), line => line.Contains("redis-server", StringComparison.Ordinal));
        Assert.Matches(@"--dir /tmp/", redis);
        Assert.Contains("--appendonly yes", redis);
    }

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlocks();

    [Fact]
    public void Compose_sets_every_variable_the_proxy_config_reads()
    {
        var read = Variables().Matches(File.ReadAllText(HaproxyProcess.ConfigPath)).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(["PUBSUB_NODE1", "PUBSUB_NODE2", "PUBSUB_PROXY_BIND", "PUBSUB_PROXY_STATS"], read.Order());
        Assert.Equal(read.Order(), ComposeProxyEnvironment().Keys.Order());
    }

    [Fact]
    public void Every_node_service_has_a_server_line_with_its_cookie()
    {
        var compose = File.ReadAllText(Path.Combine(Repository.RequiredRoot, "docker-compose.yml"));
        var nodeIds = NodeIds().Matches(compose).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["node1", "node2"], nodeIds);
        var servers = ServerLines().Matches(File.ReadAllText(HaproxyProcess.ConfigPath))
            .Select(m => (Name: m.Groups[1].Value, Cookie: m.Groups[2].Value)).ToList();
        Assert.Equal(nodeIds, servers.Select(s => s.Name));
        Assert.All(servers, s => Assert.Equal(s.Name, s.Cookie));
        var environment = ComposeProxyEnvironment();
        Assert.All(nodeIds, id => Assert.Equal($"{id}:8000", environment[$"PUBSUB_{id.ToUpperInvariant()}"]));
    }

    [SkippableFact]
    public async Task HAProxy_accepts_the_config_with_the_compose_values()
    {
        HaproxyProcess.SkipUnlessAvailable();
        var start = new ProcessStartInfo(HaproxyProcess.Executable ?? throw new InvalidOperationException("haproxy is required: apt-get install haproxy"))
        {
            ArgumentList = { "-c", "-f", HaproxyProcess.ConfigPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var (key, value) in ComposeProxyEnvironment())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().Within();
        Assert.True(process.ExitCode == 0, $"haproxy -c failed:\n{await output.Within()}\n{await errors.Within()}");
        Assert.Contains("Configuration file is valid", await output.Within() + await errors.Within());
    }

    /// <summary>The proxy service's environment in docker-compose.yml (its <c>PUBSUB_*</c> entries).</summary>
    private static Dictionary<string, string> ComposeProxyEnvironment()
    {
        var compose = File.ReadAllText(Path.Combine(Repository.RequiredRoot, "docker-compose.yml"));
        return ComposeVariables().Matches(compose).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
    }

    [GeneratedRegex(@"\$\{(\w+)\}")]
    private static partial Regex Variables();

    [GeneratedRegex(@"^\s+(PUBSUB_\w+):\s*""([^""]*)""", RegexOptions.Multiline)]
    private static partial Regex ComposeVariables();

    [GeneratedRegex(@"^\s+PubSub__Cluster__NodeId:\s*""([^""]+)""", RegexOptions.Multiline)]
    private static partial Regex NodeIds();

    [GeneratedRegex(@"^\s*server\s+(\S+)\s+""\$\{\w+\}""\s+cookie\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex ServerLines();
}
