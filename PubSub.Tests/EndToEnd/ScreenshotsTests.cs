using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.EndToEnd;

/// <summary>A test run leaves tracked files alone: screenshots go to docs/ only when asked to.</summary>
public sealed class ScreenshotsTests
{
    [Fact]
    public void Screenshots_go_to_a_temporary_folder_unless_asked_for()
    {
        var root = Repository.RequiredRoot;
        foreach (var write in new[] { null, "", "0", "true" })
        {
            var dir = Screenshots.ResolveDirectory(write, root);
            Assert.False(dir.StartsWith(root, StringComparison.Ordinal), $"{Screenshots.WriteVariable}={write} writes into the checkout: {dir}");
        }

        Assert.Equal(Path.Combine(root, "docs", "screenshots"), Screenshots.ResolveDirectory("1", root));
    }

    [Fact]
    public void This_run_writes_outside_the_checkout_unless_the_variable_is_set()
    {
        var asked = Environment.GetEnvironmentVariable(Screenshots.WriteVariable) == "1";
        Assert.Equal(asked, Screenshots.Directory.StartsWith(Repository.RequiredRoot, StringComparison.Ordinal));
    }
}
