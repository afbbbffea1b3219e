using System.ComponentModel.DataAnnotations;
using Cic.ServiceDefaults;

namespace Cic.Notifications.Email;

/// <summary>The SMTP server emails go to, from the <c>Smtp</c> section (<c>Smtp__Host</c>, …).</summary>
public sealed class SmtpOptions
{
    /// <summary>The server's host name. Without one, emails are recorded and stay pending until it is configured.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>The sender, e.g. <c>CIC Billing &lt;billing@cic.example&gt;</c>; its domain also names the Message-Ids.</summary>
    public string? From { get; set; }

    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>STARTTLS (or TLS from the start on port 465). Off only for a local sink.</summary>
    public bool UseTls { get; set; } = true;

    /// <summary>How long one SMTP command may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>How the sender works through pending emails, from the <c>Email</c> section.</summary>
public sealed class EmailOptions
{
    /// <summary>How often the sender looks for due emails.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How many emails one pass locks and sends over one connection.</summary>
    [Range(1, 500)]
    public int BatchSize { get; set; } = 20;

    /// <summary>Attempts before an email that keeps failing transiently is given up as failed.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The wait after the first failure; it doubles with each further one, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The wait before attempt <paramref name="attempts"/> + 1, after <paramref name="attempts"/> failures.</summary>
    public TimeSpan RetryDelay(int attempts) => ExponentialBackoff.After(attempts, RetryBaseDelay, MaxRetryDelay);
}
