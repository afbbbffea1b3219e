namespace Cic.Contracts;

/// <summary>
/// What every integration event carries: an identity, so consumers can recognise a redelivery,
/// and the moment the fact it reports became true.
/// </summary>
public interface IIntegrationEvent
{
    /// <summary>Unique id of this event. A redelivery or re-publish of the same event keeps it.</summary>
    Guid EventId { get; }

    /// <summary>When the reported fact happened, in UTC.</summary>
    DateTimeOffset OccurredAt { get; }
}
