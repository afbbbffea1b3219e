using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Cic.ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>Prefix of the platform's own activity sources and meters (<c>Cic.Usage</c>, <c>Cic.Messaging</c>…).</summary>
    public const string PlatformSourcePrefix = "Cic.";

    /// <summary>
    /// Logs, metrics and traces from ASP.NET Core, HttpClient, the runtime, Npgsql, MassTransit and the
    /// platform's own sources, exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public static TBuilder AddTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured
            ? configured
            : builder.Environment.ApplicationName;

        // IHttpClientFactory logs every request's start and end at Information: thousands of lines an hour of Stripe
        // calls that an engineer never acts on. Failures still show (Polly's retries warn; the callers log what failed).
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        // The health check service logs every Degraded probe (every few seconds); the pipeline check logs when the state changes.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Error);
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Npgsql")
                .AddMeter("MassTransit")
                .AddMeter(PlatformSourcePrefix + "*"))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(aspNet =>
                    // Probes hit these every few seconds; their traces would bury the real ones.
                    aspNet.Filter = http => !IsProbe(http.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddSource("MassTransit")
                .AddSource(PlatformSourcePrefix + "*"));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/alive");
}
