using System.ComponentModel.DataAnnotations;
using Cic.ServiceDefaults;

namespace Cic.Usage.Calls;

/// <summary>Settings of call ingestion, from the <c>Usage:Ingest</c> section.</summary>
public sealed class IngestOptions
{
    public const string Section = "Usage:Ingest";

    /// <summary>
    /// How far in the future a call's handled-at may be before the call is refused: producers' clocks
    /// drift a little, but a call from next week is a bug that would open a window nobody can close.
    /// </summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// <c>CallHandled</c> messages stored in one transaction. Large batches are what make one call per
    /// message affordable; the broker hands each consumer twice this many, so the next batch arrives
    /// while one is being stored.
    /// </summary>
    [Range(1, 30_000)]
    public int CallHandledBatchSize { get; set; } = 1000;

    /// <summary><c>CallsHandled</c> messages (each up to 1,000 calls) stored in one transaction.</summary>
    [Range(1, 1000)]
    public int CallsHandledBatchSize { get; set; } = 10;

    /// <summary>How long a partial batch waits for more messages before it is stored anyway.</summary>
    [PositiveDuration]
    public TimeSpan BatchTimeLimit { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Consumers (AMQP channels) per call queue, each storing one batch at a time: while one commits, another fills.</summary>
    [Range(1, 16)]
    public int ConcurrentBatches { get; set; } = 2;
}
