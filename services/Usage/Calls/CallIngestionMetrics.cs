using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cic.Usage.Calls;

/// <summary>
/// What on-call engineers watch of ingestion (meter and activity source <c>Cic.Usage.Calls</c>): calls
/// stored per source system, calls that were already stored, messages refused, the ingest delay (stored
/// time − handled time), and a span per stored batch.
/// </summary>
public sealed class CallIngestionMetrics
{
    public const string Name = "Cic.Usage.Calls";

    internal static readonly ActivitySource Activities = new(Name);

    private readonly Counter<long> _stored;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _refused;
    private readonly Histogram<double> _delay;

    public CallIngestionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _stored = meter.CreateCounter<long>("cic.usage.calls.stored", "{call}", "Calls stored and tallied for the first time");
        _duplicates = meter.CreateCounter<long>("cic.usage.calls.duplicates", "{call}", "Calls offered again (retries, redeliveries, overlapping batches): not counted again");
        _refused = meter.CreateCounter<long>("cic.usage.messages.refused", "{message}", "Messages moved to an error queue with the reason, per queue and source system");
        _delay = meter.CreateHistogram<double>(
            "cic.usage.calls.ingest_delay", "s", "Time from a call being handled to it being stored (whole seconds), per source system",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600] });
    }

    public void Stored(CallContract contract, int offered, RecordedCalls recorded)
    {
        var queue = new KeyValuePair<string, object?>("messaging.destination.name", contract.Queue);
        foreach (var stored in recorded.Stored)
        {
            var source = new KeyValuePair<string, object?>("cic.source_system", stored.SourceSystem);
            _stored.Add(stored.Count, queue, source);
            for (var i = 0; i < stored.Count; i++)
            {
                _delay.Record(Math.Max(0, stored.DelaySeconds), source);
            }
        }

        _duplicates.Add(offered - recorded.Total, queue);
    }

    /// <summary>A message refused; <paramref name="sourceSystem"/> when it could be read far enough to tell.</summary>
    public void Refused(CallContract contract, string? sourceSystem) =>
        _refused.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", contract.Queue),
            new KeyValuePair<string, object?>("cic.source_system", sourceSystem ?? "unknown"));
}
