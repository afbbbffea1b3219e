using System.Text.Json;

namespace Cic.EndToEnd.Tests.Actors;

/// <summary>A span as the Aspire dashboard's telemetry API reports it (OTLP JSON), with the resource that sent it.</summary>
public sealed record TraceSpan(string Resource, string SpanId, string? ParentSpanId, string Name);

/// <summary>
/// The on-call engineer at the Aspire dashboard, through its telemetry HTTP API (<c>/api/telemetry</c>, the data the
/// Traces page shows), authenticated with the API key the AppHost was given.
/// </summary>
public sealed class Dashboard(Uri address, string apiKey) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false })
    {
        BaseAddress = address,
        DefaultRequestHeaders = { { "X-API-Key", apiKey } },
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>Every span the dashboard holds of one trace (an empty list until it has any).</summary>
    public async Task<IReadOnlyList<TraceSpan>> SpansAsync(string traceId, CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync($"/api/telemetry/spans?traceId={traceId}&limit=1000", cancellationToken);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var spans = new List<TraceSpan>();
        if (!json.RootElement.TryGetProperty("data", out var data) || !data.TryGetProperty("resourceSpans", out var resources))
        {
            return spans;
        }

        foreach (var resource in resources.EnumerateArray())
        {
            var service = resource.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                .Where(a => a.GetProperty("key").GetString() == "service.name")
                .Select(a => a.GetProperty("value").GetProperty("stringValue").GetString())
                .FirstOrDefault() ?? "?";
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    var parent = span.TryGetProperty("parentSpanId", out var p) ? p.GetString() : null;
                    spans.Add(new TraceSpan(service, span.GetProperty("spanId").GetString()!, string.IsNullOrEmpty(parent) ? null : parent, span.GetProperty("name").GetString()!));
                }
            }
        }

        return spans;
    }

    /// <summary>Whether the dashboard lists the resource (its telemetry API answers 404 for one it does not know).</summary>
    public async Task<bool> ListsAsync(string resource, CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync($"/api/telemetry/logs?resource={Uri.EscapeDataString(resource)}&limit=1", cancellationToken);
        return response.StatusCode != System.Net.HttpStatusCode.NotFound && response.EnsureSuccessStatusCode().IsSuccessStatusCode;
    }

    public void Dispose() => _http.Dispose();
}
