using Cic.ServiceDefaults.Background;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Cic.ServiceDefaults.Monitoring;

public static class MonitoringExtensions
{
    /// <summary>
    /// Adds a pipeline gauge (<see cref="PipelineGauge"/>); the first call also adds the sampler and the
    /// <c>pipeline</c> health check, which reports Degraded (never Unhealthy: <c>/health</c> stays the readiness probe).
    /// </summary>
    public static IHostApplicationBuilder AddPipelineGauge(this IHostApplicationBuilder builder, PipelineGauge gauge)
    {
        if (!builder.Services.Any(s => s.ServiceType == typeof(PipelineMonitor)))
        {
            builder.Services.AddSectionOptions<PipelineOptions>(PipelineOptions.Section);
            builder.Services.TryAddSingleton(TimeProvider.System);
            builder.Services.AddBackgroundWork<PipelineMonitor>();
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                "pipeline", services => services.GetRequiredService<PipelineMonitor>(), HealthStatus.Degraded, []));
        }

        builder.Services.AddSingleton(gauge);
        return builder;
    }
}
