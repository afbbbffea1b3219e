using System.ComponentModel.DataAnnotations;

namespace Cic.ServiceDefaults.Messaging;

/// <summary>Settings of the bus, the outbox relay and the inbox, from the <c>Messaging</c> section.</summary>
public sealed class MessagingOptions
{
    public const string Section = "Messaging";

    /// <summary>
    /// Unacknowledged messages the broker hands each consumer at once. Events between services are
    /// few and each costs a database transaction, so a modest window keeps work spread over the
    /// instances of a service rather than hoarded by one.
    /// </summary>
    [Range(1, 10_000)]
    public int PrefetchCount { get; set; } = 32;

    /// <summary>Waits between in-process retries of a failing message, before it goes to the error queue.</summary>
    public TimeSpan[] RetryIntervals { get; set; } =
        [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    /// <summary>How many outbox messages one relay pass locks and publishes, all in flight together.</summary>
    [Range(1, 10_000)]
    public int OutboxBatchSize { get; set; } = 100;

    /// <summary>How often the relay looks for messages when nothing woke it.</summary>
    [PositiveDuration]
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one publish may take (the broker confirms it) before it counts as failed.</summary>
    [PositiveDuration]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The longest wait before a message whose publish failed is tried again.</summary>
    [PositiveDuration]
    public TimeSpan OutboxMaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long sent outbox messages are kept, for tracing what was published.</summary>
    [PositiveDuration]
    public TimeSpan OutboxRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long processed message ids are remembered. A redelivery later than this would be processed
    /// again, so it is far longer than any broker redelivery or relay re-publish can take.
    /// </summary>
    [PositiveDuration]
    public TimeSpan InboxRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often old outbox and inbox rows are deleted.</summary>
    [PositiveDuration]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);
}
