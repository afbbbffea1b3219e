using Cic.Contracts.Usage;
using Cic.ServiceDefaults.Messaging;
using Cic.Usage.Tallies;
using Microsoft.EntityFrameworkCore;

namespace Cic.Usage.Anomalies;

/// <summary>
/// Judges the hours the tally publisher is publishing against each company's recent pattern
/// (<see cref="UsageAnomalyRule"/>), in the publisher's transaction: an unusual hour is stored as an
/// anomaly and its <see cref="UnusualUsageDetected"/> written to the outbox together, once per company and
/// hour (a later revision of the same hour finds the anomaly and announces nothing more).
/// </summary>
public static class UnusualUsage
{
    public static async Task<int> DetectAsync(UsageDb db, IReadOnlyList<UsageWindow> published, DateTimeOffset now, UsageAnomalyOptions options, CancellationToken cancellationToken)
    {
        if (!options.Enabled || published.Count == 0)
        {
            return 0;
        }

        var span = TimeSpan.FromHours(options.BaselineHours);
        var companies = published.Select(w => w.CompanyId).Distinct().ToList();
        var first = published.Min(w => w.WindowStart);
        var last = published.Max(w => w.WindowStart);
        var from = first - span;

        // Two set-based reads for the whole batch: the companies' hours in the baseline range, and where each company's history begins.
        var history = (await db.UsageWindows.AsNoTracking()
                .Where(w => companies.Contains(w.CompanyId) && w.WindowStart >= from && w.WindowStart < last)
                .Select(w => new { w.CompanyId, w.WindowStart, w.CallCount })
                .ToListAsync(cancellationToken))
            .ToLookup(w => w.CompanyId);
        var historyBegins = await db.UsageWindows.AsNoTracking()
            .Where(w => companies.Contains(w.CompanyId))
            .GroupBy(w => w.CompanyId)
            .Select(g => new { CompanyId = g.Key, First = g.Min(w => w.WindowStart) })
            .ToDictionaryAsync(c => c.CompanyId, c => c.First, cancellationToken);
        var known = (await db.UsageAnomalies.AsNoTracking()
                .Where(a => companies.Contains(a.CompanyId) && a.WindowStart >= first && a.WindowStart <= last)
                .Select(a => new { a.CompanyId, a.WindowStart })
                .ToListAsync(cancellationToken))
            .Select(a => (a.CompanyId, a.WindowStart.UtcTicks))
            .ToHashSet();

        var detected = 0;
        foreach (var window in published)
        {
            if (known.Contains((window.CompanyId, window.WindowStart.UtcTicks)))
            {
                continue;
            }

            var baselineStart = window.WindowStart - span;
            var usual = history[window.CompanyId]
                .Where(h => h.WindowStart >= baselineStart && h.WindowStart < window.WindowStart)
                .Sum(h => h.CallCount) / (double)options.BaselineHours;
            var hasFullHistory = historyBegins.TryGetValue(window.CompanyId, out var begins) && begins <= baselineStart;
            if (UsageAnomalyRule.Judge(window.CallCount, usual, hasFullHistory, options) is not { } direction)
            {
                continue;
            }

            var anomaly = new UsageAnomaly
            {
                Id = EventIds.FromName($"usage-anomaly:{window.CompanyId:N}:{window.WindowStart.UtcTicks}"),
                CompanyId = window.CompanyId,
                WindowStart = window.WindowStart,
                Direction = direction,
                CallCount = window.CallCount,
                UsualCallsPerHour = usual,
                BaselineHours = options.BaselineHours,
                DetectedAt = now,
            };
            db.UsageAnomalies.Add(anomaly);
            db.AddIntegrationEvent(new UnusualUsageDetected(
                EventIds.FromName($"unusual-usage-detected:{anomaly.Id:N}"),
                now,
                anomaly.Id,
                anomaly.CompanyId,
                anomaly.WindowStart,
                anomaly.WindowStart + UsageWindow.Length,
                DirectionName(direction),
                anomaly.CallCount,
                (long)Math.Round(usual),
                anomaly.BaselineHours));
            detected++;
        }

        return detected;
    }

    public static string DirectionName(UsageDirection direction) => direction == UsageDirection.Spike ? "spike" : "drop";
}
