namespace Cic.Contracts.Usage;

/// <summary>
/// A company's calls in one usage window (a UTC hour) jumped far above, or dropped far below, its own
/// recent pattern: a fault upstream or a bill that will surprise the customer. Published once per
/// anomaly (one per company and window at most); the event id is derived from the anomaly.
/// </summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the anomaly was detected (UTC).</param>
/// <param name="AnomalyId">Usage's id of the anomaly (staff list and close it there).</param>
/// <param name="CompanyId">The company whose usage is unusual.</param>
/// <param name="WindowStart">Start of the unusual hour (UTC, on the hour).</param>
/// <param name="WindowEnd">End of the unusual hour (UTC, exclusive).</param>
/// <param name="Direction"><c>spike</c> (far above the usual) or <c>drop</c> (far below).</param>
/// <param name="CallCount">Calls handled in the hour when it was detected.</param>
/// <param name="UsualCallsPerHour">The company's usual calls per hour: its mean over the preceding baseline hours, rounded.</param>
/// <param name="BaselineHours">How many preceding hours the usual figure covers.</param>
public sealed record UnusualUsageDetected(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AnomalyId,
    Guid CompanyId,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    string Direction,
    long CallCount,
    long UsualCallsPerHour,
    int BaselineHours) : IIntegrationEvent;
