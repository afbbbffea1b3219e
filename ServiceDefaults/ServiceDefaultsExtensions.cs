using Cic.ServiceDefaults.Health;
using Cic.ServiceDefaults.Http;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

// In the hosting namespace, as Aspire's service defaults are, so every Program.cs finds it.
namespace Microsoft.Extensions.Hosting;

/// <summary>What every CIC service is made of, besides its own database, bus and features.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Telemetry, health checks, service discovery with resilient HttpClients, problem details for
    /// every error, JWT bearer authentication with the <c>staff</c> policy, and OpenAPI.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        builder.AddProblemResponses();
        builder.AddPortalAuthentication();
        builder.AddApiDocuments();
        return builder;
    }

    /// <summary>
    /// Refuses route and query values that are not plain text (<see cref="InputText"/>);
    /// <c>/alive</c> and <c>/health</c> in every environment; the staff <c>/error-queues</c> endpoints of a service with messaging; the OpenAPI document and the browsable
    /// API reference in Development.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Here, after routing has matched (WebApplication routes first), so route values can be named.
        app.UseMiddleware<PlainTextRouteAndQuery>();
        app.UseMiddleware<UnreadableRequests>();
        app.MapHealthEndpoints();
        app.MapErrorQueues();
        app.MapApiDocuments();
        return app;
    }
}
