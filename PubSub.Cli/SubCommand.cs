using System.CommandLine;
using System.Globalization;
using PubSub.Client;

namespace PubSub.Cli;

/// <summary><c>pubsub sub TOPIC… [--last N | --since EPOCH:SEQ]</c>: one JSON line per message, notices on stderr, until Ctrl-C or every topic is deleted.</summary>
internal static class SubCommand
{
    public static Command Build()
    {
        var topics = new Argument<string[]>("TOPIC") { Description = "The topics to subscribe to", Arity = ArgumentArity.OneOrMore };
        topics.Validators.Add(Commands.ValidateTopicNames);
        var last = new Option<int?>("--last", "-n") { Description = "Replay the last N retained messages of each topic first", HelpName = "N" };
        var since = new Option<string>("--since") { Description = "Resume each topic after a position: EPOCH:SEQ (as printed with each message), or SEQ alone", HelpName = "EPOCH:SEQ" };
        var command = new Command("sub", "Subscribe and print each message as a JSON line {\"topic\",\"seq\",\"epoch\",\"id\",\"payload\",\"ts\"} on stdout; gaps, resets, deletions and reconnects go to stderr. Keeps its place across reconnects; ends on Ctrl-C (exit 0) or when every topic was deleted.")
        {
            topics,
            last,
            since,
        };
        last.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 0)
            {
                r.AddError("--last must be 0 or more");
            }
        });
        since.Validators.Add(r =>
        {
            if (!TryParsePosition(r.GetValueOrDefault<string>(), out _))
            {
                r.AddError($"--since '{r.GetValueOrDefault<string>()}' is not EPOCH:SEQ or SEQ (a seq of 0 or more)");
            }
        });
        command.Validators.Add(r =>
        {
            if (r.GetResult(last) is not null && r.GetResult(since) is not null)
            {
                r.AddError("give --last or --since, not both");
            }
        });
        command.SetAction((parse, cancellationToken) => Commands.RunAsync(async () =>
        {
            var from = parse.GetValue(since) is { } position && TryParsePosition(position, out var after) ? after
                : parse.GetValue(last) is { } n ? SubscribeFrom.Last(n)
                : SubscribeFrom.Now;
            return await RunAsync(Commands.Options(parse), parse.GetValue(topics)!, from, cancellationToken);
        }));
        return command;
    }

    private static async Task<int> RunAsync(PubSubClientOptions options, string[] topics, SubscribeFrom from, CancellationToken cancellationToken)
    {
        await using var client = new PubSubClient(options, new StderrLogger<PubSubClient>(Microsoft.Extensions.Logging.LogLevel.Information));
        var subscriptions = new List<PubSubSubscription>();
        try
        {
            foreach (var topic in topics.Distinct(StringComparer.Ordinal))
            {
                subscriptions.Add(await client.SubscribeAsync(topic, from, cancellationToken));
            }

            Output.Notice($"subscribed to {string.Join(", ", topics)}");
            await Task.WhenAll(subscriptions.Select(s => PrintAsync(s, cancellationToken)));
            return ExitCodes.Done;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Done; // Ctrl-C
        }
        finally
        {
            foreach (var subscription in subscriptions)
            {
                await subscription.DisposeAsync();
            }
        }
    }

    private static async Task PrintAsync(PubSubSubscription subscription, CancellationToken cancellationToken)
    {
        await foreach (var item in subscription.WithCancellation(cancellationToken))
        {
            switch (item)
            {
                case PubSubMessage m:
                    Output.Line(w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("topic", m.Topic);
                        w.WriteNumber("seq", m.Seq);
                        w.WriteString("epoch", m.Epoch);
                        w.WriteString("id", m.Id);
                        w.WritePropertyName("payload");
                        m.Payload.WriteTo(w);
                        w.WriteString("ts", m.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                        w.WriteEndObject();
                    });
                    break;
                case GapNotice g:
                    Output.Notice($"gap in {g.Topic}: seq {g.FromSeq}..{g.ToSeq} are no longer retained");
                    break;
                case ResetNotice r:
                    Output.Notice($"reset: {r.Topic} goes on in epoch {r.Epoch} after seq {r.Seq} (its store lost messages or it was created again)");
                    break;
                case TopicDeletedNotice d:
                    Output.Notice($"topic {d.Topic} was deleted");
                    break;
            }
        }
    }

    /// <summary>Parses <c>EPOCH:SEQ</c> or <c>SEQ</c>.</summary>
    internal static bool TryParsePosition(string? text, out SubscribeFrom position)
    {
        position = SubscribeFrom.Now;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var colon = text.LastIndexOf(':');
        var epoch = colon > 0 ? text[..colon] : null;
        if (!long.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return false;
        }

        position = SubscribeFrom.After(seq, epoch);
        return true;
    }
}
