using System.ComponentModel.DataAnnotations;
using Cic.ServiceDefaults;

namespace Cic.Billing.UsagePush;

/// <summary>How the ledger is pushed to Stripe, from the <c>UsagePush</c> section.</summary>
public sealed class UsagePushOptions
{
    public const string Section = "UsagePush";

    /// <summary>How often the ledger is looked at when no new push woke the pusher: retries falling due, payers becoming known.</summary>
    [PositiveDuration]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Stripe customers this instance pushes to at once. Each customer's pushes go one at a time (Stripe's rule).</summary>
    [Range(1, 64)]
    public int Parallelism { get; set; } = 4;

    /// <summary>The wait before retrying a push that failed transiently; it doubles with every failed attempt.</summary>
    [PositiveDuration]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between two attempts of a push.</summary>
    [PositiveDuration]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Pushes sent to one customer in one pass, so one customer's backlog does not hold up the others.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    public TimeSpan Backoff(int attempts) => ExponentialBackoff.After(attempts, RetryDelay, MaxRetryDelay);
}
