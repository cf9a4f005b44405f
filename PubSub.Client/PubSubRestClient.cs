using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace PubSub.Client;

/// <summary>
/// The REST calls of PROTOCOL.md §6 and §8 that have no place on a subscription connection: topics, history, stats,
/// nodes, connections. Answers are the server's JSON as documented there. Each call goes to the first of
/// <see cref="PubSubClientOptions.Urls"/> that can be reached (a node that cannot be connected to is skipped; one that
/// answers, even with an error, is not), bounded by <see cref="PubSubClientOptions.OperationTimeout"/>.
/// </summary>
public sealed class PubSubRestClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri[] _bases;
    private readonly TimeSpan _timeout;

    /// <summary>Creates a REST client for <paramref name="options"/>; <paramref name="http"/> is used as given (not disposed) when passed.</summary>
    public PubSubRestClient(PubSubClientOptions options, HttpClient? http = null)
    {
        PubSubClientOptionsValidator.ThrowIfInvalid(options);
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _bases = options.Urls.Select(u => NodeAddress.From(u).Http).ToArray();
        _timeout = options.OperationTimeout;
        ApiKey = options.ApiKey;
    }

    private string? ApiKey { get; }

    /// <summary><c>GET /api/topics/</c>: <c>{"topics":[{"name","subscribers","created_at"}]}</c>.</summary>
    public Task<JsonElement> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/topics/", null, cancellationToken);

    /// <summary><c>POST /api/topics/create/</c>: <c>{"status":"created","topic"}</c>; <c>TOPIC_EXISTS</c> when it exists.</summary>
    public Task<JsonElement> CreateTopicAsync(string name, JsonElement? metadata = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "api/topics/create/", metadata is { } m ? new { name, metadata = m } : new { name, metadata = (JsonElement?)null }, cancellationToken);

    /// <summary><c>DELETE /api/topics/{name}/</c>: <c>{"status":"deleted","topic"}</c>; <c>TOPIC_NOT_FOUND</c> when there is none.</summary>
    public Task<JsonElement> DeleteTopicAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"api/topics/{Uri.EscapeDataString(name)}/", null, cancellationToken);

    /// <summary>
    /// <c>GET /api/topics/{name}/messages/</c>: <c>{"topic","messages":[{"id","seq","payload","publisher_id","ts"}],"total_count","limit","offset"}</c>,
    /// newest first; the server caps <paramref name="limit"/> at 100.
    /// </summary>
    public Task<JsonElement> GetHistoryAsync(string topic, int limit = 50, int offset = 0, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, FormattableString.Invariant($"api/topics/{Uri.EscapeDataString(topic)}/messages/?limit={limit}&offset={offset}"), null, cancellationToken);

    /// <summary><c>GET /api/stats/</c>: <c>{"topics":{"name":{"messages","subscribers"}}}</c>.</summary>
    public Task<JsonElement> GetStatsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/stats/", null, cancellationToken);

    /// <summary><c>GET /api/nodes/</c>: <c>{"nodes":[{"id","address","started_at","last_seen","connections","subscriptions"}]}</c>.</summary>
    public Task<JsonElement> GetNodesAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/nodes/", null, cancellationToken);

    /// <summary>
    /// One page of <c>GET /api/connections/</c>: <c>{"connections":[…],"next_cursor"}</c>; pass <c>next_cursor</c> back as
    /// <paramref name="cursor"/> for the next page.
    /// </summary>
    public Task<JsonElement> GetConnectionsAsync(int? limit = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (limit is { } l)
        {
            query.Add(FormattableString.Invariant($"limit={l}"));
        }

        if (cursor is not null)
        {
            query.Add("cursor=" + Uri.EscapeDataString(cursor));
        }

        return SendAsync(HttpMethod.Get, "api/connections/" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), null, cancellationToken);
    }

    /// <summary>Disposes the HTTP client when this instance created it.</summary>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_timeout);
        var failures = new List<string>();
        foreach (var root in _bases)
        {
            using var request = new HttpRequestMessage(method, new Uri(root, path));
            if (body is not null)
            {
                request.Content = JsonContent.Create(body);
            }

            if (ApiKey is not null)
            {
                request.Headers.Add("X-API-Key", ApiKey);
            }

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, limit.Token);
            }
            catch (HttpRequestException ex)
            {
                failures.Add($"{root}: {ex.Message}");
                continue; // not reached: the next node
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PubSubException(PubSubErrorCodes.Unavailable, $"{method} {root}{path}: no answer within {_timeout.TotalSeconds:0.###} s", ex);
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(limit.Token);
                JsonElement json;
                try
                {
                    json = text.Length == 0 ? default : JsonSerializer.Deserialize<JsonElement>(text);
                }
                catch (JsonException)
                {
                    json = default;
                }

                if (response.IsSuccessStatusCode)
                {
                    return json;
                }

                throw new PubSubException(CodeOf(response.StatusCode, json), MessageOf(response.StatusCode, json, text));
            }
        }

        throw new PubSubException(PubSubErrorCodes.Unavailable, "no node could be reached: " + string.Join("; ", failures));
    }

    private static string CodeOf(HttpStatusCode status, JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("code", out var code) && code.GetString() is { Length: > 0 } c
            ? c
            : status switch
            {
                HttpStatusCode.BadRequest => PubSubErrorCodes.BadRequest,
                HttpStatusCode.Unauthorized => PubSubErrorCodes.Unauthorized,
                HttpStatusCode.Forbidden => PubSubErrorCodes.Forbidden,
                HttpStatusCode.NotFound => PubSubErrorCodes.TopicNotFound,
                HttpStatusCode.Conflict => PubSubErrorCodes.TopicExists,
                HttpStatusCode.TooManyRequests => PubSubErrorCodes.RateLimited,
                HttpStatusCode.ServiceUnavailable => PubSubErrorCodes.Unavailable,
                _ => PubSubErrorCodes.Internal,
            };

    private static string MessageOf(HttpStatusCode status, JsonElement body, string text) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var error) && error.GetString() is { } e
            ? e
            : $"HTTP {(int)status}: {text}";
}
