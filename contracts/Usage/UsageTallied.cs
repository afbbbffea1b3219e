// Events published by the Usage service.
namespace Cic.Contracts.Usage;

/// <summary>
/// The number of calls handled for a company in one usage window (a UTC hour). The count is
/// absolute, not a delta: a later revision of the same window replaces earlier ones, so consumers
/// may receive revisions in any order and keep the one with the highest <paramref name="Revision"/>.
/// </summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When this tally was taken (UTC).</param>
/// <param name="CompanyId">The company the calls were handled for.</param>
/// <param name="WindowStart">Start of the usage window (UTC, on the hour).</param>
/// <param name="WindowEnd">End of the usage window (UTC, exclusive).</param>
/// <param name="CallCount">All calls handled in the window known so far.</param>
/// <param name="Revision">1 for the first tally of the window, higher for each recount after late calls.</param>
public sealed record UsageTallied(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid CompanyId,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    long CallCount,
    int Revision) : IIntegrationEvent;
