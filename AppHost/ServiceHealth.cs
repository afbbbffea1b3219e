using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cic.AppHost;

/// <summary>
/// A service's health as the dashboard's resource list shows it: its <c>/health</c> report read, not just its status
/// code, so a service that answers but whose pipeline lags (usage not reaching Stripe, an error queue filling) shows
/// Degraded with the reason, without opening a chart.
/// </summary>
internal sealed class ServiceHealth(EndpointReference endpoint) : IHealthCheck
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!endpoint.IsAllocated)
        {
            return HealthCheckResult.Unhealthy("not started yet");
        }

        try
        {
            using var response = await Http.GetAsync($"{endpoint.Url}/health", cancellationToken);
            using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var status = report.RootElement.TryGetProperty("status", out var s) ? s.GetString() : null;
            var reasons = report.RootElement.TryGetProperty("reasons", out var r) && r.ValueKind == JsonValueKind.Object
                ? string.Join("; ", r.EnumerateObject().Select(p => $"{p.Name}: {p.Value.GetString()}"))
                : null;
            return status switch
            {
                "Healthy" => HealthCheckResult.Healthy(),
                "Degraded" => HealthCheckResult.Degraded(reasons),
                _ => HealthCheckResult.Unhealthy(reasons is { Length: > 0 } ? reasons : $"/health answered {(int)response.StatusCode}"),
            };
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException)
        {
            return HealthCheckResult.Unhealthy($"/health did not answer: {e.Message}");
        }
    }
}

internal static class ServiceHealthExtensions
{
    /// <summary>Healthy, Degraded (with the reason) or Unhealthy as the service's <c>/health</c> says.</summary>
    public static IResourceBuilder<ProjectResource> WithServiceHealth(this IResourceBuilder<ProjectResource> service)
    {
        var key = $"{service.Resource.Name}-health";
        var endpoint = service.GetEndpoint("http");
        service.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, _ => new ServiceHealth(endpoint), HealthStatus.Unhealthy, []));
        return service.WithHealthCheck(key);
    }
}
