using System.Diagnostics;
using Cic.Contracts.Calls;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Cic.Usage.Calls;

/// <summary>
/// Stores calls and counts them in their usage windows, exactly once, in one statement (so one
/// transaction): the calls are inserted unless their (source system, call id) is already stored, and
/// only the rows actually inserted are added to the tallies. Offering the same calls again — a
/// redelivery, a producer's retry, an overlapping batch — inserts and counts nothing.
/// </summary>
public sealed class CallRecorder(UsageDb db, TimeProvider time)
{
    // unnest yields the rows in array order, which is key order (sorted below): concurrent batches
    // then take their row locks in the same order and cannot deadlock on the calls' key. The
    // tallies are upserted in (company, window) order for the same reason. (The caller still
    // retries a deadlock: the statement is idempotent.)
    private const string Sql = """
        WITH inserted AS (
            INSERT INTO calls (source_system, call_id, company_id, handled_at, duration_ms, sequence, received_at)
            SELECT source_system, call_id, company_id, handled_at, duration_ms, sequence, $6
            FROM unnest($1::text[], $2::text[], $3::uuid[], $4::timestamptz[], $5::bigint[], $7::bigint[])
                AS offered (source_system, call_id, company_id, handled_at, duration_ms, sequence)
            ON CONFLICT (source_system, call_id) DO NOTHING
            RETURNING source_system, company_id, handled_at, sequence
        ), sequenced AS (
            -- Numbered calls stored for the first time, queued for the gap tracker as runs of consecutive numbers
            -- (number − dense_rank is constant along a run), so a producer's batch is one row, not one per call.
            INSERT INTO sequence_arrivals (source_system, first_sequence, last_sequence, first_handled_at, last_handled_at)
            SELECT source_system, min(sequence), max(sequence),
                   (array_agg(handled_at ORDER BY sequence))[1], (array_agg(handled_at ORDER BY sequence DESC))[1]
            FROM (SELECT source_system, sequence, handled_at,
                         sequence - dense_rank() OVER (PARTITION BY source_system ORDER BY sequence) AS run
                  FROM inserted WHERE sequence IS NOT NULL) AS numbered
            GROUP BY source_system, run
        ), counted AS (
            INSERT INTO usage_windows (company_id, window_start, call_count, revision, trace_parent)
            SELECT company_id, date_bin('1 hour', handled_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'), count(*), 0, $8
            FROM inserted
            GROUP BY 1, 2
            ORDER BY 1, 2
            ON CONFLICT (company_id, window_start) DO UPDATE
                SET call_count = usage_windows.call_count + excluded.call_count,
                    trace_parent = coalesce(excluded.trace_parent, usage_windows.trace_parent)
        )
        -- What was stored, by source and by whole seconds between handling and storing (the ingest delay).
        SELECT source_system, floor(extract(epoch FROM $6 - handled_at))::bigint, count(*) FROM inserted GROUP BY 1, 2
        """;

    /// <summary>Stores the calls that are new and tallies them, in one transaction; returns what was new.</summary>
    public async Task<RecordedCalls> RecordAsync(IReadOnlyCollection<HandledCall> calls, CancellationToken cancellationToken)
    {
        var offered = Distinct(calls);
        var sources = new string[offered.Length];
        var ids = new string[offered.Length];
        var companies = new Guid[offered.Length];
        var handledAt = new DateTime[offered.Length];
        var durations = new long[offered.Length];
        var sequences = new long?[offered.Length];
        for (var i = 0; i < offered.Length; i++)
        {
            var call = offered[i];
            sources[i] = call.SourceSystem;
            ids[i] = call.CallId;
            companies[i] = call.CompanyId;
            handledAt[i] = call.HandledAt.UtcDateTime;
            durations[i] = call.DurationMs;
            sequences[i] = call.Sequence;
        }

        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand(Sql, connection)
            {
                Parameters =
                {
                    new NpgsqlParameter<string[]> { TypedValue = sources, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                    new NpgsqlParameter<string[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                    new NpgsqlParameter<Guid[]> { TypedValue = companies },
                    new NpgsqlParameter<DateTime[]> { TypedValue = handledAt, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
                    new NpgsqlParameter<long[]> { TypedValue = durations },
                    new NpgsqlParameter<DateTime> { TypedValue = time.GetUtcNow().UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                    new NpgsqlParameter<long?[]> { TypedValue = sequences, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                    // $8: the storing batch's trace, which the windows' next UsageTallied continues.
                    new NpgsqlParameter { Value = (object?)Activity.Current?.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                },
            };
            var stored = new List<StoredCalls>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stored.Add(new StoredCalls(reader.GetString(0), reader.GetInt64(1), (int)reader.GetInt64(2)));
            }

            return new RecordedCalls(stored);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The calls once each (a batch may carry the same call twice), sorted by key.</summary>
    private static HandledCall[] Distinct(IReadOnlyCollection<HandledCall> calls)
    {
        var seen = new HashSet<(string, string)>(calls.Count);
        var distinct = new List<HandledCall>(calls.Count);
        foreach (var call in calls)
        {
            if (seen.Add((call.SourceSystem, call.CallId)))
            {
                distinct.Add(call);
            }
        }

        distinct.Sort(static (a, b) =>
        {
            var bySource = string.CompareOrdinal(a.SourceSystem, b.SourceSystem);
            return bySource != 0 ? bySource : string.CompareOrdinal(a.CallId, b.CallId);
        });
        return [.. distinct];
    }
}

/// <summary>Calls stored for the first time from one source, handled <see cref="DelaySeconds"/> whole seconds before they were stored.</summary>
public readonly record struct StoredCalls(string SourceSystem, long DelaySeconds, int Count);

/// <summary>What one <see cref="CallRecorder.RecordAsync"/> stored.</summary>
public sealed record RecordedCalls(IReadOnlyList<StoredCalls> Stored)
{
    /// <summary>Calls stored for the first time (the others were stored already).</summary>
    public int Total => Stored.Sum(s => s.Count);
}
