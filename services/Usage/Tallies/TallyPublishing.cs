using Cic.ServiceDefaults;
using Cic.ServiceDefaults.Background;
using Cic.ServiceDefaults.Monitoring;
using Cic.Usage.Anomalies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Cic.Usage.Tallies;

public static class TallyPublishing
{
    /// <summary>
    /// The publisher of tallies, and the gauge <c>cic.usage.windows.oldest_untallied_age</c>: how long the oldest
    /// settled hour has waited for its tally (Degraded past <c>Pipeline:Thresholds:UsageOldestUntalliedSeconds</c>, default 15 min).
    /// A late call reopens an old hour: that hour waits from the publisher's last complete pass, not from when it ended,
    /// so calls streaming into a past hour while tallies keep being published are no lag.
    /// </summary>
    public static IHostApplicationBuilder AddTallyPublishing(this IHostApplicationBuilder builder)
    {
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.usage.windows.oldest_untallied_age", "s",
            "How long the oldest settled usage hour (ended, plus the settle delay) has waited for its tally, at most since the publisher's last complete pass (0 when none)",
            async (services, ct) =>
            {
                var settle = services.GetRequiredService<IOptions<TallyOptions>>().Value.SettleDelay;
                var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
                var settledBefore = now - UsageWindow.Length - settle;
                var oldest = await services.GetRequiredService<UsageDb>().UsageWindows
                    .Where(w => w.PublishedCount != w.CallCount || w.PublishedCount == null)
                    .Where(w => w.WindowStart <= settledBefore)
                    .MinAsync(w => (DateTimeOffset?)w.WindowStart, ct);
                if (oldest is not { } start)
                {
                    return 0;
                }

                var waitingSince = start + UsageWindow.Length + settle;
                var lastPass = services.GetRequiredService<TallyProgress>().LastPassAt;
                return PipelineGauge.AgeSeconds(waitingSince > lastPass ? waitingSince : lastPass, now);
            }) with
        {
            ThresholdKey = "UsageOldestUntalliedSeconds",
            DefaultThreshold = TimeSpan.FromMinutes(15).TotalSeconds,
            Reason = r => $"usage is not being tallied: the oldest settled hour has waited {PipelineGauge.Duration(r.Value)} for its tally",
        });
        var services = builder.Services;
        services.AddSectionOptions<TallyOptions>(TallyOptions.Section);
        services.AddSectionOptions<UsageAnomalyOptions>(UsageAnomalyOptions.Section);
        services.AddSingleton<TallyProgress>();
        services.AddBackgroundWork<TallyPublisher>();
        return builder;
    }
}
