using System.Buffers.Text;
using System.Data;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Cic.Usage.Calls;
using Cic.Usage.Members;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Cic.Usage.CallHistory;

/// <summary>One stored call: the record a call-count dispute is settled with.</summary>
/// <param name="SourceSystem">The system that handled the call.</param>
/// <param name="CallId">The call's id within its source system.</param>
/// <param name="CompanyId">The company the call was handled for.</param>
/// <param name="HandledAt">When the call was handled (UTC).</param>
/// <param name="DurationMs">How long it lasted, in milliseconds.</param>
/// <param name="ReceivedAt">When the platform stored it (UTC).</param>
public sealed record CallRecord(string SourceSystem, string CallId, Guid CompanyId, DateTimeOffset HandledAt, long DurationMs, DateTimeOffset ReceivedAt);

/// <summary>A page of call history, newest first.</summary>
/// <param name="Calls">The calls of this page.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> to get the next (older) page; null on the last page.</param>
public sealed record CallPage(IReadOnlyList<CallRecord> Calls, string? NextCursor);

public static class CallHistoryEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapCallHistory(this IEndpointRouteBuilder app)
    {
        var company = app.MapGroup("/companies/{companyId:guid}/calls").WithTags("Call history");
        company.MapGet("", ListCalls)
            .WithName("ListCalls")
            .WithSummary("A company's calls, newest first, a page at a time")
            .WithDescription(
                "Calls handled in [`from`, `to`) (UTC; both optional), newest first. `limit` is 1–1000 (default 100). " +
                "Pass the previous page's `nextCursor` as `cursor` for the next page; pages are stable while calls keep arriving.")
            .ProducesValidationProblem();
        company.MapGet("/export", ExportCalls)
            .WithName("ExportCalls")
            .WithSummary("A company's calls as CSV, for disputes")
            .WithDescription(
                "The same calls as the history (same `from` and `to`), newest first, streamed as `text/csv` with a header row: " +
                "source_system, call_id, company_id, handled_at, duration_ms, received_at (times in ISO 8601 UTC).")
            .Produces<string>(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesValidationProblem();

        app.MapGroup("/calls").WithTags("Call history")
            .MapGet("/{sourceSystem}/{callId}", GetCall)
            .WithName("GetCall")
            .WithSummary("One call, by its source system and call id")
            .WithDescription("404 when no such call is stored, or when the caller may not read its company.");
        return app;
    }

    private static async Task<Results<Ok<CallPage>, NotFound, ValidationProblem>> ListCalls(
        Guid companyId,
        DateTimeOffset? from,
        DateTimeOffset? to,
        int? limit,
        string? cursor,
        UsageDb db,
        ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        var errors = ValidateRange(from, to);
        var size = limit ?? DefaultLimit;
        if (size is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"Must be between 1 and {MaxLimit}."];
        }

        HistoryCursor? after = null;
        if (cursor is not null && !HistoryCursor.TryParse(cursor, out after))
        {
            errors["cursor"] = ["Is not a cursor this API returned."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (!await db.CanReadCompanyAsync(user, companyId, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var (start, end) = Bounds(from, to);
        var take = size + 1;
        var query = after is null
            ? db.Calls.FromSql($"""
                SELECT * FROM calls
                WHERE company_id = {companyId} AND handled_at >= {start} AND handled_at < {end}
                ORDER BY handled_at DESC, source_system DESC, call_id DESC
                LIMIT {take}
                """)
            : db.Calls.FromSql($"""
                SELECT * FROM calls
                WHERE company_id = {companyId} AND handled_at >= {start} AND handled_at < {end}
                  AND (handled_at, source_system, call_id) < ({after.HandledAt}, {after.SourceSystem}, {after.CallId})
                ORDER BY handled_at DESC, source_system DESC, call_id DESC
                LIMIT {take}
                """);
        var calls = await query.AsNoTracking().ToListAsync(cancellationToken);

        string? next = null;
        if (calls.Count > size)
        {
            calls.RemoveAt(size);
            var last = calls[^1];
            next = new HistoryCursor(last.HandledAt, last.SourceSystem, last.CallId).ToString();
        }

        return TypedResults.Ok(new CallPage(calls.Select(ToRecord).ToList(), next));
    }

    private static async Task<Results<PushStreamHttpResult, NotFound, ValidationProblem>> ExportCalls(
        Guid companyId,
        DateTimeOffset? from,
        DateTimeOffset? to,
        UsageDb db,
        ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        var errors = ValidateRange(from, to);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (!await db.CanReadCompanyAsync(user, companyId, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var (start, end) = Bounds(from, to);
        return TypedResults.Stream(
            body => WriteCsvAsync(db, companyId, start, end, body, cancellationToken),
            contentType: "text/csv; charset=utf-8",
            fileDownloadName: $"calls-{companyId:N}.csv");
    }

    private static async Task<Results<Ok<CallRecord>, NotFound>> GetCall(
        string sourceSystem,
        string callId,
        UsageDb db,
        ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        var call = await db.Calls.AsNoTracking()
            .FirstOrDefaultAsync(c => c.SourceSystem == sourceSystem && c.CallId == callId, cancellationToken);
        return call is not null && await db.CanReadCompanyAsync(user, call.CompanyId, cancellationToken)
            ? TypedResults.Ok(ToRecord(call))
            : TypedResults.NotFound();
    }

    /// <summary>Streams rows straight from the database to the response: an export of millions of calls holds a few rows in memory.</summary>
    private static async Task WriteCsvAsync(UsageDb db, Guid companyId, DateTimeOffset start, DateTimeOffset end, Stream body, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand(
                """
                SELECT source_system, call_id, company_id, handled_at, duration_ms, received_at FROM calls
                WHERE company_id = $1 AND handled_at >= $2 AND handled_at < $3
                ORDER BY handled_at DESC, source_system DESC, call_id DESC
                """,
                connection)
            {
                Parameters =
                {
                    new NpgsqlParameter<Guid> { TypedValue = companyId },
                    new NpgsqlParameter<DateTimeOffset> { TypedValue = start },
                    new NpgsqlParameter<DateTimeOffset> { TypedValue = end },
                },
            };
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
            await using var writer = new StreamWriter(body, new UTF8Encoding(false), bufferSize: 64 * 1024);
            await writer.WriteAsync("source_system,call_id,company_id,handled_at,duration_ms,received_at\n");
            while (await reader.ReadAsync(cancellationToken))
            {
                await writer.WriteAsync(Csv(reader.GetString(0)));
                await writer.WriteAsync(',');
                await writer.WriteAsync(Csv(reader.GetString(1)));
                await writer.WriteAsync(',');
                await writer.WriteAsync(reader.GetGuid(2).ToString());
                await writer.WriteAsync(',');
                await writer.WriteAsync(Iso(reader.GetFieldValue<DateTimeOffset>(3)));
                await writer.WriteAsync(',');
                await writer.WriteAsync(reader.GetInt64(4).ToString(CultureInfo.InvariantCulture));
                await writer.WriteAsync(',');
                await writer.WriteAsync(Iso(reader.GetFieldValue<DateTimeOffset>(5)));
                await writer.WriteAsync('\n');
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static Dictionary<string, string[]> ValidateRange(DateTimeOffset? from, DateTimeOffset? to)
    {
        var errors = new Dictionary<string, string[]>();
        if (from is not null && to is not null && to <= from)
        {
            errors["to"] = ["Must be later than from."];
        }

        return errors;
    }

    private static (DateTimeOffset Start, DateTimeOffset End) Bounds(DateTimeOffset? from, DateTimeOffset? to) =>
        ((from ?? DateTimeOffset.UnixEpoch).ToUniversalTime(), (to ?? new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero)).ToUniversalTime());

    private static CallRecord ToRecord(Call call) =>
        new(call.SourceSystem, call.CallId, call.CompanyId, call.HandledAt.ToUniversalTime(), call.DurationMs, call.ReceivedAt.ToUniversalTime());

    private static string Iso(DateTimeOffset moment) => moment.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.</summary>
    private static string Csv(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

/// <summary>Where a history page ended: the (handled-at, source system, call id) of its last call, opaque to clients.</summary>
internal sealed record HistoryCursor(DateTimeOffset HandledAt, string SourceSystem, string CallId)
{
    public override string ToString() =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new object[] { HandledAt.UtcTicks, SourceSystem, CallId }));

    public static bool TryParse(string text, out HistoryCursor? cursor)
    {
        cursor = null;
        try
        {
            var parts = JsonSerializer.Deserialize<JsonElement[]>(Base64Url.DecodeFromChars(text));
            if (parts is not [{ ValueKind: JsonValueKind.Number } ticks, { ValueKind: JsonValueKind.String } source, { ValueKind: JsonValueKind.String } id]
                || !ticks.TryGetInt64(out var utcTicks) || utcTicks < DateTimeOffset.MinValue.UtcTicks || utcTicks > DateTimeOffset.MaxValue.UtcTicks)
            {
                return false;
            }

            cursor = new HistoryCursor(new DateTimeOffset(utcTicks, TimeSpan.Zero), source.GetString()!, id.GetString()!);
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return false;
        }
    }
}
