using System.Net;
using System.Text;

namespace PubSub.Bench.Transports;

/// <summary>Creates and deletes the run's topics through the server's REST API (PROTOCOL.md §6): topics must exist before /ws or the hub use them.</summary>
internal sealed class RestTopics(Uri httpBase) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = httpBase, Timeout = TimeSpan.FromSeconds(10) };

    public async Task CreateAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken)
    {
        foreach (var topic in topics)
        {
            using var body = new StringContent($"{{\"name\":\"{topic}\"}}", Encoding.UTF8, "application/json");
            using var response = await _http.PostAsync(new Uri("/api/topics/create/", UriKind.Relative), body, cancellationToken);
            if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
            {
                throw new InvalidOperationException($"creating topic {topic}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }
    }

    public async Task DeleteAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken)
    {
        foreach (var topic in topics)
        {
            try
            {
                using var response = await _http.DeleteAsync(new Uri($"/api/topics/{topic}/", UriKind.Relative), cancellationToken);
            }
            catch (HttpRequestException)
            {
                // Best effort: the server may be gone already.
            }
        }
    }

    public void Dispose() => _http.Dispose();
}
