using System.Diagnostics.Metrics;
using Cic.ServiceDefaults;
using Cic.ServiceDefaults.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Cic.ServiceDefaults.Background;
using Npgsql;

namespace Cic.Usage.Sequences;

/// <summary>
/// Folds the sequence numbers of newly stored calls into each source's ranges: one instance at a time
/// (a transaction-scoped advisory lock), reading the runs of consecutive numbers the ingestion statement
/// queued, merged by the database, so the work per pass grows with the number of runs, not calls.
/// </summary>
public sealed class SequenceGapTracker : IBackgroundWork
{
    // The queued runs, merged where they touch or overlap (calls of one run may have arrived in several batches):
    // a run starts a new island when it begins past the highest number of the runs before it plus one.
    private const string TakeRuns = """
        WITH taken AS (
            DELETE FROM sequence_arrivals
            WHERE id IN (SELECT id FROM sequence_arrivals ORDER BY id LIMIT @batch)
            RETURNING source_system, first_sequence, last_sequence, first_handled_at, last_handled_at
        ), ordered AS (
            SELECT *, max(last_sequence) OVER (PARTITION BY source_system ORDER BY first_sequence, last_sequence
                                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached
            FROM taken
        ), islands AS (
            SELECT *, sum(CASE WHEN reached IS NULL OR first_sequence > reached + 1 THEN 1 ELSE 0 END)
                          OVER (PARTITION BY source_system ORDER BY first_sequence, last_sequence) AS island
            FROM ordered
        )
        SELECT source_system, min(first_sequence), max(last_sequence),
               (array_agg(first_handled_at ORDER BY first_sequence))[1], (array_agg(last_handled_at ORDER BY last_sequence DESC))[1], count(*)
        FROM islands
        GROUP BY source_system, island
        ORDER BY source_system, min(first_sequence)
        """;

    private readonly IServiceScopeFactory scopes;
    private readonly IOptions<SequenceOptions> options;
    private readonly TimeProvider time;
    private long _missing;

    public SequenceGapTracker(IServiceScopeFactory scopes, IOptions<SequenceOptions> options, TimeProvider time, IMeterFactory meters)
    {
        (this.scopes, this.options, this.time) = (scopes, options, time);
        // The meter belongs to the factory, which keeps the gauge observed for the service's lifetime.
        meters.Create(Calls.CallIngestionMetrics.Name).CreateObservableGauge(
            "cic.usage.calls.missing", () => Interlocked.Read(ref _missing), "{call}",
            "Calls whose sequence numbers were never seen, in gaps open longer than the settle delay");
    }

    public TimeSpan PollInterval => options.Value.Interval;

    public async Task<bool> RunPassAsync(CancellationToken cancellationToken)
    {
        // A full batch means more runs are queued: go on at once.
        if (await TrackAsync(cancellationToken) == options.Value.BatchSize)
        {
            return true;
        }

        await CountMissingAsync(cancellationToken);
        return false;
    }

    /// <summary>One pass: returns how many queued runs were read (0 when another instance holds the lock).</summary>
    public async Task<int> TrackAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<UsageDb>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var npgsqlTransaction = (NpgsqlTransaction)transaction.GetDbTransaction();
        if (!await db.TryLockAsync("cic-usage-sequence-gaps", cancellationToken))
        {
            return 0;
        }

        var runs = new List<SequenceRun>();
        var taken = 0;
        await using (var command = new NpgsqlCommand(TakeRuns, connection, npgsqlTransaction))
        {
            command.Parameters.AddWithValue("batch", options.Value.BatchSize);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                runs.Add(new SequenceRun(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2),
                    reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4)));
                taken += (int)reader.GetInt64(5);
            }
        }

        if (runs.Count == 0)
        {
            return 0;
        }

        var sources = runs.Select(r => r.SourceSystem).Distinct().ToList();
        var known = await db.SequenceSources.Where(s => sources.Contains(s.SourceSystem)).ToDictionaryAsync(s => s.SourceSystem, StringComparer.Ordinal, cancellationToken);
        var open = (await db.SequenceGaps.Where(g => sources.Contains(g.SourceSystem) && g.ClosedAt == null).ToListAsync(cancellationToken))
            .ToLookup(g => g.SourceSystem, StringComparer.Ordinal);
        var now = time.GetUtcNow();
        foreach (var perSource in runs.GroupBy(r => r.SourceSystem, StringComparer.Ordinal))
        {
            if (!known.TryGetValue(perSource.Key, out var source))
            {
                // The first number seen from a source is where its sequence starts for the platform.
                var first = perSource.First();
                source = new SequenceSource
                {
                    SourceSystem = perSource.Key,
                    LowestSeen = first.First,
                    LowestSeenHandledAt = first.FirstHandledAt,
                    HighestSeen = first.First - 1,
                    HighestSeenHandledAt = first.FirstHandledAt,
                };
                db.SequenceSources.Add(source);
            }

            var gaps = open[perSource.Key].ToList();
            foreach (var run in perSource)
            {
                SequenceRanges.Apply(source, gaps, run, now, db.SequenceGaps.Add);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return taken;
    }

    private async Task CountMissingAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<UsageDb>();
        var settledBefore = time.GetUtcNow() - options.Value.SettleDelay;
        var missing = await db.SequenceGaps
            .Where(g => g.ClosedAt == null && g.OpenedAt <= settledBefore)
            .SumAsync(g => g.LastMissing - g.FirstMissing + 1, cancellationToken);
        Interlocked.Exchange(ref _missing, missing);
    }
}

public static class SequenceGapTracking
{
    public static IHostApplicationBuilder AddSequenceGapTracking(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSectionOptions<SequenceOptions>(SequenceOptions.Section);
        builder.Services.AddBackgroundWork<SequenceGapTracker>();
        return builder;
    }
}

/// <summary>Consecutive sequence numbers of one source stored in one pass, with the handling times of its ends.</summary>
public sealed record SequenceRun(string SourceSystem, long First, long Last, DateTimeOffset FirstHandledAt, DateTimeOffset LastHandledAt);

/// <summary>How a run of numbers changes a source's highest number and its open gaps (no server needed).</summary>
public static class SequenceRanges
{
    public static void Apply(SequenceSource source, List<SequenceGap> openGaps, SequenceRun run, DateTimeOffset now, Func<SequenceGap, object> add)
    {
        // Below the lowest number seen: a gap between the run and the lowest, unless they touch.
        if (run.First < source.LowestSeen)
        {
            if (run.Last < source.LowestSeen - 1)
            {
                Open(source.SourceSystem, run.Last + 1, source.LowestSeen - 1, run.LastHandledAt, source.LowestSeenHandledAt, now, openGaps, add);
            }

            source.LowestSeen = run.First;
            source.LowestSeenHandledAt = run.FirstHandledAt;
        }

        // Between the lowest and the highest: late calls filling gaps.
        var fillFrom = Math.Max(run.First, source.LowestSeen);
        var fillTo = Math.Min(run.Last, source.HighestSeen);
        if (fillFrom <= fillTo)
        {
            Fill(openGaps, run with { First = fillFrom }, fillTo, now, add);
        }

        // Above the highest number seen: a gap between the highest and the run, unless they touch.
        if (run.Last > source.HighestSeen)
        {
            if (run.First > source.HighestSeen + 1)
            {
                Open(source.SourceSystem, source.HighestSeen + 1, run.First - 1, source.HighestSeenHandledAt, run.FirstHandledAt, now, openGaps, add);
            }

            source.HighestSeen = run.Last;
            source.HighestSeenHandledAt = run.LastHandledAt;
        }
    }

    private static void Open(string sourceSystem, long first, long last, DateTimeOffset before, DateTimeOffset after, DateTimeOffset now, List<SequenceGap> openGaps, Func<SequenceGap, object> add)
    {
        var gap = new SequenceGap
        {
            Id = Guid.CreateVersion7(now),
            SourceSystem = sourceSystem,
            FirstMissing = first,
            LastMissing = last,
            BeforeHandledAt = before,
            AfterHandledAt = after,
            OpenedAt = now,
        };
        openGaps.Add(gap);
        add(gap);
    }

    private static void Fill(List<SequenceGap> openGaps, SequenceRun run, long last, DateTimeOffset now, Func<SequenceGap, object> add)
    {
        foreach (var gap in openGaps.Where(g => g.ClosedAt is null && g.FirstMissing <= last && g.LastMissing >= run.First).ToList())
        {
            var leftRemains = gap.FirstMissing < run.First;
            var rightRemains = gap.LastMissing > last;
            if (!leftRemains && !rightRemains)
            {
                gap.ClosedAt = now;
            }
            else if (leftRemains && rightRemains)
            {
                // The run arrived inside the gap: the part after it becomes a gap of its own, as old as the first.
                var right = new SequenceGap
                {
                    Id = Guid.CreateVersion7(now),
                    SourceSystem = gap.SourceSystem,
                    FirstMissing = last + 1,
                    LastMissing = gap.LastMissing,
                    BeforeHandledAt = run.LastHandledAt,
                    AfterHandledAt = gap.AfterHandledAt,
                    OpenedAt = gap.OpenedAt,
                };
                openGaps.Add(right);
                add(right);
                gap.LastMissing = run.First - 1;
                gap.AfterHandledAt = run.FirstHandledAt;
            }
            else if (leftRemains)
            {
                gap.LastMissing = run.First - 1;
                gap.AfterHandledAt = run.FirstHandledAt;
            }
            else
            {
                gap.FirstMissing = last + 1;
                gap.BeforeHandledAt = run.LastHandledAt;
            }
        }
    }
}
