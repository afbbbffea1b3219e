using System.ComponentModel.DataAnnotations;
using Cic.ServiceDefaults;

namespace Cic.Billing.Webhooks;

/// <summary>How stored Stripe events are processed, from the <c>Webhooks</c> section.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>How often stored events are looked for when no webhook has woken the processor.</summary>
    [PositiveDuration]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Events processed at once by this instance.</summary>
    [Range(1, 64)]
    public int Workers { get; set; } = 4;
}
