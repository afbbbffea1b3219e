using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Cic.ServiceDefaults.Health;

public static class HealthExtensions
{
    /// <summary>Tag of the checks that say the process itself is alive (no dependencies).</summary>
    public const string LiveTag = "live";

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// <c>/alive</c>: the process answers (liveness). <c>/health</c>: every check, so the database and
    /// the broker too (readiness; Degraded still answers 200, so a lagging pipeline never takes an instance
    /// out of service). Both in every environment, without authentication; they say which check is not
    /// healthy and why, in words meant for on-call (no exception details).
    /// </summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/alive", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
            ResponseWriter = WriteReport,
        }).AllowAnonymous();

        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = WriteReport,
        }).AllowAnonymous();

        return app;
    }

    private static Task WriteReport(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(entry => entry.Key, entry => entry.Value.Status.ToString()),
            reasons = report.Entries
                .Where(entry => entry.Value.Status != HealthStatus.Healthy && entry.Value.Description is not null)
                .ToDictionary(entry => entry.Key, entry => entry.Value.Description),
        };
        return http.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
