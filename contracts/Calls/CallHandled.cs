// Events published by CIC's call-handling systems (outside this platform) and consumed by Usage.
namespace Cic.Contracts.Calls;

/// <summary>
/// One call handled by a CIC system, reported to the billing platform. A call is identified
/// forever by (<paramref name="SourceSystem"/>, <paramref name="CallId"/>): publishing the same call
/// twice, in any way, counts it once.
/// </summary>
/// <remarks>
/// Producers without MassTransit may publish the same fields as a plain JSON body (camelCase,
/// content type <c>application/json</c>) to the direct exchange <c>cic.calls</c> with routing key
/// <c>call.handled</c>; see docs/usage.md. High-volume producers should pack calls into
/// <see cref="CallsHandled"/>. The Usage service refuses (to its error queue, with the reason) a call
/// without a source system, call id, company id or handled-at, with a negative duration, or handled
/// more than a few minutes in the future.
/// </remarks>
/// <param name="EventId">Unique id of this report.</param>
/// <param name="OccurredAt">When the report was made (UTC).</param>
/// <param name="SourceSystem">Name of the system that handled the call, e.g. <c>ivr-eu</c>.</param>
/// <param name="CallId">The call's id, unique within <paramref name="SourceSystem"/>.</param>
/// <param name="CompanyId">The company the call was handled for.</param>
/// <param name="HandledAt">When the call was handled (UTC); decides the usage window it counts in.</param>
/// <param name="DurationMs">How long the call lasted, in milliseconds.</param>
/// <param name="Sequence">
/// Optional: the call's number in its source system's own gap-free count (1, 2, 3, … or from any start,
/// zero or more). Usage lists the numbers it has not seen (calls lost before the broker) to staff.
/// Producers that do not number their calls leave it out.
/// </param>
public sealed record CallHandled(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string SourceSystem,
    string CallId,
    Guid CompanyId,
    DateTimeOffset HandledAt,
    long DurationMs,
    long? Sequence = null) : IIntegrationEvent;
