using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Cic.Usage.Sequences;

/// <param name="FirstMissing">The first sequence number not seen.</param>
/// <param name="LastMissing">The last sequence number not seen.</param>
/// <param name="Missing">How many calls the range holds.</param>
/// <param name="BeforeHandledAt">When the call just before the range was handled.</param>
/// <param name="AfterHandledAt">When the call just after the range was handled.</param>
/// <param name="ClosedAt">When the last of its calls arrived (closed gaps only).</param>
public sealed record SequenceGapResponse(
    Guid Id, string SourceSystem, long FirstMissing, long LastMissing, long Missing,
    DateTimeOffset BeforeHandledAt, DateTimeOffset AfterHandledAt, DateTimeOffset OpenedAt, DateTimeOffset? ClosedAt);

/// <param name="Status"><c>open</c> (the default: open longer than the settle delay) or <c>closed</c>.</param>
/// <param name="SourceSystem">Only this source's gaps.</param>
public sealed record SequenceGapQuery(string? Status, string? SourceSystem);

public static class SequenceGapEndpoints
{
    private const int Limit = 1000;

    public static IEndpointRouteBuilder MapSequenceGaps(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/sequence-gaps")
            .WithTags("Operations")
            .RequireAuthorization(PortalAuthentication.StaffPolicy)
            .MapGet("", List)
            .WithName("ListSequenceGaps")
            .WithSummary("Ranges of a source's call sequence numbers that never arrived (staff)")
            .WithDescription($"Calls a producer numbered (the optional sequence field) but the platform has not stored: nobody is billed for them. status=open (default) lists gaps open longer than Usage:Sequences:SettleDelay, oldest first; status=closed those whose calls arrived late, newest first. At most {Limit}.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }

    private static async Task<Results<Ok<List<SequenceGapResponse>>, ValidationProblem>> List(
        [AsParameters] SequenceGapQuery query, UsageDb db, IOptions<SequenceOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var status = query.Status ?? "open";
        if (status is not ("open" or "closed"))
        {
            return ApiProblems.Field("status", "One of open, closed.");
        }

        var gaps = db.SequenceGaps.AsNoTracking();
        if (query.SourceSystem is { } source)
        {
            gaps = gaps.Where(g => g.SourceSystem == source);
        }

        var settledBefore = time.GetUtcNow() - options.Value.SettleDelay;
        gaps = status == "open"
            ? gaps.Where(g => g.ClosedAt == null && g.OpenedAt <= settledBefore).OrderBy(g => g.SourceSystem).ThenBy(g => g.FirstMissing)
            : gaps.Where(g => g.ClosedAt != null).OrderByDescending(g => g.ClosedAt);
        var rows = await gaps.Take(Limit).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(g => new SequenceGapResponse(
            g.Id, g.SourceSystem, g.FirstMissing, g.LastMissing, g.Missing, g.BeforeHandledAt, g.AfterHandledAt, g.OpenedAt, g.ClosedAt)).ToList());
    }
}
