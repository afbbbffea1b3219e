namespace Cic.Contracts.Calls;

/// <summary>
/// Many calls handled by a CIC system, reported in one message: the contract for high-volume
/// producers, which would otherwise spend most of their (and the broker's) time on per-message
/// overhead. Each call counts exactly as if it had been published as its own
/// <see cref="CallHandled"/>: it is identified forever by (<see cref="HandledCall.SourceSystem"/>,
/// <see cref="HandledCall.CallId"/>), so a call repeated within a message, across messages or
/// across both contracts is counted once.
/// </summary>
/// <remarks>
/// At most <see cref="MaxCalls"/> calls per message. A message whose calls are not all valid is
/// refused as a whole (it goes to the Usage service's error queue with the reason), so a producer
/// should validate before sending; calls of other messages are unaffected.
/// </remarks>
/// <param name="EventId">Unique id of this report. A re-publish of the same report may keep it or not: calls dedupe by their own ids.</param>
/// <param name="OccurredAt">When the report was made (UTC).</param>
/// <param name="Calls">The calls, 1 to <see cref="MaxCalls"/> of them, in any order.</param>
public sealed record CallsHandled(
    Guid EventId,
    DateTimeOffset OccurredAt,
    IReadOnlyList<HandledCall> Calls) : IIntegrationEvent
{
    /// <summary>The most calls one message may carry.</summary>
    public const int MaxCalls = 1000;
}

/// <summary>One call within <see cref="CallsHandled"/>: the fields of <see cref="CallHandled"/> that describe the call.</summary>
/// <param name="SourceSystem">Name of the system that handled the call, e.g. <c>ivr-eu</c> (at most 100 characters).</param>
/// <param name="CallId">The call's id, unique within <paramref name="SourceSystem"/> (at most 200 characters).</param>
/// <param name="CompanyId">The company the call was handled for.</param>
/// <param name="HandledAt">When the call was handled (UTC); decides the usage window (UTC hour) it counts in.</param>
/// <param name="DurationMs">How long the call lasted, in milliseconds (zero or more).</param>
/// <param name="Sequence">Optional: the call's number in its source system's own gap-free count (zero or more), so the platform can tell which calls never arrived.</param>
public sealed record HandledCall(
    string SourceSystem,
    string CallId,
    Guid CompanyId,
    DateTimeOffset HandledAt,
    long DurationMs,
    long? Sequence = null);
