using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cic.Usage.Calls;

/// <summary>
/// What on-call engineers watch of ingestion (meter and activity source <c>Cic.Usage.Calls</c>): calls
/// stored, calls that were already stored, messages refused, and a span per stored batch.
/// </summary>
public sealed class CallIngestionMetrics
{
    public const string Name = "Cic.Usage.Calls";

    internal static readonly ActivitySource Activities = new(Name);

    private readonly Counter<long> _stored;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _refused;

    public CallIngestionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _stored = meter.CreateCounter<long>("cic.usage.calls.stored", "{call}", "Calls stored and tallied for the first time");
        _duplicates = meter.CreateCounter<long>("cic.usage.calls.duplicates", "{call}", "Calls offered again (retries, redeliveries, overlapping batches): not counted again");
        _refused = meter.CreateCounter<long>("cic.usage.messages.refused", "{message}", "Messages moved to an error queue with the reason");
    }

    public void Stored(CallContract contract, int offered, int stored)
    {
        var tag = new KeyValuePair<string, object?>("messaging.destination.name", contract.Queue);
        _stored.Add(stored, tag);
        _duplicates.Add(offered - stored, tag);
    }

    public void Refused(CallContract contract) =>
        _refused.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", contract.Queue));
}
