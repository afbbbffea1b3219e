using Cic.ServiceDefaults.Background;
using Cic.ServiceDefaults.Monitoring;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Cic.Usage.Tallies;

/// <summary>Settings of the publication of tallies, from the <c>Usage:Tallies</c> section.</summary>
public sealed class TallyOptions
{
    public const string Section = "Usage:Tallies";

    /// <summary>
    /// How long after a window's hour has ended it is first published: calls handled just before the
    /// hour's end are still in flight. Later calls are not lost; they publish a new revision.
    /// </summary>
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the service looks for windows to publish.</summary>
    public TimeSpan PublishInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Windows published per transaction.</summary>
    public int BatchSize { get; set; } = 500;
}

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
        services.AddOptions<TallyOptions>().BindConfiguration(TallyOptions.Section);
        services.AddOptions<Anomalies.UsageAnomalyOptions>().BindConfiguration(Anomalies.UsageAnomalyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TallyProgress>();
        services.AddBackgroundWork<TallyPublisher>();
        return builder;
    }
}
