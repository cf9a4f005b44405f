using System.Diagnostics;
using System.Text.Json;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Clients;

/// <summary>The <c>pubsub</c> tool as a process (<c>dotnet pubsub.dll</c> from its build output) against a real server: PROTOCOL.md §11.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private const string Key = "cli-test-key-0123456789abcdef";
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:Auth:Enabled"] = "true",
            ["PubSub:Auth:Keys:0:Key"] = Key,
        });
        Assert.Equal(201, (await _server.SendAsync(HttpMethod.Post, "/api/topics/create/", """{"name":"orders"}""", Key)).Status);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Url => _server.BaseAddress.ToString();

    [Fact]
    public async Task Pub_stops_at_a_stdin_line_that_is_not_JSON_after_publishing_and_acking_the_lines_before_it()
    {
        await using var pub = Start([Dll, "pub", "orders", "--url", Url, "--key", Key], redirectStdin: true);
        await pub.Input.WriteLineAsync("""{"n":1}""");
        await pub.Input.WriteLineAsync("""{"n":2}""");
        await pub.Input.WriteLineAsync("not json");
        await pub.Input.WriteLineAsync("""{"n":4}""");
        pub.Input.Close();
        Assert.Equal(2, await pub.WaitForExitAsync());
        Assert.Contains("line 3 of stdin is not JSON", pub.Stderr, StringComparison.Ordinal);
        Assert.Equal([1, 2], Lines(pub.Stdout).Select(a => a.GetProperty("seq").GetInt64()));
        Assert.Equal(2, _server.Broker.PublishedCount); // nothing after the bad line
    }

    [Fact]
    public async Task Sub_piped_to_a_file_prints_every_line_that_pub_reads_from_stdin()
    {
        var file = Path.Combine(Path.GetTempPath(), $"pubsub-sub-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using var sub = Start(["-c", $"exec dotnet \"$0\" sub orders --url {Url} > {file}", Dll], program: "bash", environment: new() { ["PUBSUB_API_KEY"] = Key });
            await Waits.UntilAsync(() => sub.Stderr.Contains("subscribed to orders", StringComparison.Ordinal), Timeouts.Long);

            await using var pub = Start([Dll, "pub", "orders", "--url", Url, "--key", Key], redirectStdin: true);
            await pub.Input.WriteLineAsync("""{"n":1}""");
            await pub.Input.WriteLineAsync("");
            await pub.Input.WriteLineAsync("""{"n":2,"text":"é ✓"}""");
            await pub.Input.WriteLineAsync("""[3]""");
            pub.Input.Close();
            Assert.Equal(0, await pub.WaitForExitAsync());
            var acks = Lines(pub.Stdout);
            Assert.Equal([1, 2, 3], acks.Select(a => a.GetProperty("seq").GetInt64()));

            await Waits.UntilAsync(() => File.Exists(file) && File.ReadAllLines(file).Length >= 3, Timeouts.Long);
            var lines = File.ReadAllLines(file).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal([1, 2, 3], lines.Select(l => l.GetProperty("seq").GetInt64()));
            Assert.Equal("""{"n":2,"text":"é ✓"}""", lines[1].GetProperty("payload").GetRawText());
            Assert.Equal(acks.Select(a => a.GetProperty("id").GetString()), lines.Select(l => l.GetProperty("id").GetString()));
            Assert.All(lines, l => Assert.Equal("orders", l.GetProperty("topic").GetString()));

            await sub.TerminateAsync();
            Assert.Equal(0, await sub.WaitForExitAsync());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Exit_codes_are_1_for_a_server_error_with_the_code_on_stderr_and_2_for_usage()
    {
        var missing = await RunAsync([Dll, "pub", "nope", "{}", "--url", Url, "--key", Key]);
        Assert.Equal(1, missing.Exit);
        Assert.Contains("TOPIC_NOT_FOUND", missing.Stderr, StringComparison.Ordinal);

        var missingSub = await RunAsync([Dll, "sub", "nope", "--url", Url, "--key", Key]);
        Assert.Equal(1, missingSub.Exit);
        Assert.Contains("TOPIC_NOT_FOUND", missingSub.Stderr, StringComparison.Ordinal);

        var badKey = await RunAsync([Dll, "pub", "orders", "{}", "--url", Url, "--key", "not-the-key-0123456789"]);
        Assert.Equal(1, badKey.Exit);
        Assert.Contains("UNAUTHORIZED", badKey.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, (await RunAsync([Dll, "topics", "--url", Url, "--key", "not-the-key-0123456789"])).Exit);

        var badFlag = await RunAsync([Dll, "sub", "orders", "--no-such-flag", "--url", Url]);
        Assert.Equal(2, badFlag.Exit);
        Assert.Contains("unknown option '--no-such-flag'", badFlag.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, (await RunAsync([Dll, "pub", "no spaces", "{}", "--url", Url])).Exit);
        Assert.Equal(2, (await RunAsync([Dll, "sub", "orders", "--last", "2", "--since", "e:1", "--url", Url])).Exit);
        Assert.Equal(2, (await RunAsync([Dll, "pub", "orders", "{not json", "--url", Url, "--key", Key])).Exit);
        Assert.Equal(2, (await RunAsync([Dll, "history", "orders", "--url", "ftp://x"])).Exit);
    }

    [Fact]
    public async Task The_REST_commands_print_json_lines()
    {
        var env = new Dictionary<string, string> { ["PUBSUB_URL"] = Url, ["PUBSUB_API_KEY"] = Key };
        Assert.Equal(0, (await RunAsync([Dll, "topics", "create", "cli-made"], env)).Exit);
        Assert.Equal(0, (await RunAsync([Dll, "pub", "cli-made", """{"x":1}"""], env)).Exit);
        var ls = await RunAsync([Dll, "topics", "ls"], env);
        Assert.Equal(0, ls.Exit);
        Assert.Contains("cli-made", Lines(ls.Stdout).Select(t => t.GetProperty("name").GetString()));
        var history = await RunAsync([Dll, "history", "cli-made"], env);
        Assert.Equal(1, Assert.Single(Lines(history.Stdout)).GetProperty("payload").GetProperty("x").GetInt32());
        Assert.Equal(1, Lines((await RunAsync([Dll, "stats"], env)).Stdout).Single().GetProperty("topics").GetProperty("cli-made").GetProperty("messages").GetInt64());
        Assert.Single(Lines((await RunAsync([Dll, "nodes"], env)).Stdout));
        Assert.Equal(0, (await RunAsync([Dll, "connections"], env)).Exit);
        Assert.Equal(0, (await RunAsync([Dll, "topics", "rm", "cli-made"], env)).Exit);
        var gone = await RunAsync([Dll, "topics", "rm", "cli-made"], env);
        Assert.Equal(1, gone.Exit);
        Assert.Contains("TOPIC_NOT_FOUND", gone.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sub")]
    [InlineData("pub")]
    [InlineData("topics")]
    [InlineData("topics ls")]
    [InlineData("topics create")]
    [InlineData("topics rm")]
    [InlineData("history")]
    [InlineData("stats")]
    [InlineData("nodes")]
    [InlineData("connections")]
    public async Task Help_works_on_every_command(string command)
    {
        var help = await RunAsync([Dll, .. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"]);
        Assert.Equal(0, help.Exit);
        Assert.Contains($"pubsub {command}".TrimEnd(), help.Stdout, StringComparison.Ordinal);
        Assert.Contains("--url", help.Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// The tool from its own build output (built before the tests: a project reference), with its own dependencies; in
    /// the tests' folder the shared framework's copies would stand in for its packages.
    /// </summary>
    private static string Dll
    {
        get
        {
            var root = Repository.RequiredRoot;
            var build = Path.GetRelativePath(Path.Combine(root, "PubSub.Tests"), AppContext.BaseDirectory); // bin/<configuration>/net10.0
            return Path.Combine(root, "PubSub.Cli", build, "pubsub.dll");
        }
    }

    private static List<JsonElement> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string[] args, Dictionary<string, string>? environment = null)
    {
        await using var process = Start(args, environment: environment);
        var exit = await process.WaitForExitAsync();
        return (exit, process.Stdout, process.Stderr);
    }

    private static CliProcess Start(string[] args, string program = "dotnet", bool redirectStdin = false, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
        };
        foreach (var name in new[] { "PUBSUB_URL", "PUBSUB_API_KEY" })
        {
            start.Environment.Remove(name); // only what the test gives
        }

        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        return new CliProcess(start);
    }

    /// <summary>A running <c>pubsub</c> with its output collected; disposing kills it if it still runs.</summary>
    private sealed class CliProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _stdout = new();
        private readonly System.Text.StringBuilder _stderr = new();
        private readonly TaskCompletionSource _outClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _errClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CliProcess(ProcessStartInfo start)
        {
            start.StandardOutputEncoding = System.Text.Encoding.UTF8;
            start.StandardErrorEncoding = System.Text.Encoding.UTF8;
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) => Collect(e.Data, _stdout, _outClosed);
            _process.ErrorDataReceived += (_, e) => Collect(e.Data, _stderr, _errClosed);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public StreamWriter Input => _process.StandardInput;

        public string Stdout
        {
            get
            {
                lock (_stdout)
                {
                    return _stdout.ToString();
                }
            }
        }

        public string Stderr
        {
            get
            {
                lock (_stderr)
                {
                    return _stderr.ToString();
                }
            }
        }

        public async Task<int> WaitForExitAsync()
        {
            await _process.WaitForExitAsync().Within(Timeouts.Long);
            await Task.WhenAll(_outClosed.Task, _errClosed.Task).Within();
            return _process.ExitCode;
        }

        /// <summary>SIGTERM, as a service manager or <c>timeout</c> ends <c>pubsub sub</c>.</summary>
        public Task TerminateAsync() => ChildProcess.TerminateAsync(_process);

        public ValueTask DisposeAsync() => ChildProcess.KillAndReleaseAsync(_process);

        private static void Collect(string? line, System.Text.StringBuilder into, TaskCompletionSource closed)
        {
            if (line is null)
            {
                closed.TrySetResult();
                return;
            }

            lock (into)
            {
                into.Append(line).Append('\n');
            }
        }
    }
}
