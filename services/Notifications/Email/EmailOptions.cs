using System.ComponentModel.DataAnnotations;
using Cic.ServiceDefaults;

namespace Cic.Notifications.Email;

/// <summary>How the sender works through pending emails, from the <c>Email</c> section.</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    /// <summary>How often the sender looks for due emails.</summary>
    [PositiveDuration]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How many emails one pass locks and sends over one connection.</summary>
    [Range(1, 500)]
    public int BatchSize { get; set; } = 20;

    /// <summary>Attempts before an email that keeps failing transiently is given up as failed.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The wait after the first failure; it doubles with each further one, up to <see cref="MaxRetryDelay"/>.</summary>
    [PositiveDuration]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The wait before attempt <paramref name="attempts"/> + 1, after <paramref name="attempts"/> failures.</summary>
    public TimeSpan RetryDelay(int attempts) => ExponentialBackoff.After(attempts, RetryBaseDelay, MaxRetryDelay);
}
