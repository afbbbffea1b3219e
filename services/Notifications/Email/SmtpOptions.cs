using System.ComponentModel.DataAnnotations;
using Cic.ServiceDefaults;

namespace Cic.Notifications.Email;

/// <summary>The SMTP server emails go to, from the <c>Smtp</c> section (<c>Smtp__Host</c>, …).</summary>
public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    /// <summary>The server's host name. Without one, emails are recorded and stay pending until it is configured.</summary>
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>The sender, e.g. <c>CIC Billing &lt;billing@cic.example&gt;</c>; its domain also names the Message-Ids.</summary>
    public string? From { get; set; }

    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>STARTTLS (or TLS from the start on port 465). Off only for a local sink.</summary>
    public bool UseTls { get; set; } = true;

    /// <summary>How long one SMTP command may take.</summary>
    [PositiveDuration]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
