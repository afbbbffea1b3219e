using Cic.ServiceDefaults;
using Cic.ServiceDefaults.Background;
using Cic.ServiceDefaults.Monitoring;
using Microsoft.EntityFrameworkCore;

namespace Cic.Notifications.Email;

public static class EmailExtensions
{
    /// <summary>The SMTP server (<c>Smtp</c> section), the sender's retry settings (<c>Email</c>) and the sender itself.</summary>
    public static IHostApplicationBuilder AddEmail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSectionOptions<SmtpOptions>(SmtpOptions.Section)
            .Validate(smtp => string.IsNullOrWhiteSpace(smtp.Host) || (smtp.From is not null && MimeKit.MailboxAddress.TryParse(smtp.From, out _)),
                "Smtp:From must be a sender address such as 'CIC Billing <billing@cic.example>' when Smtp:Host is set.");
        builder.Services.AddSectionOptions<EmailOptions>(EmailOptions.Section)
            .Validate(email => email.MaxRetryDelay >= email.RetryBaseDelay, "Email:MaxRetryDelay must be at least Email:RetryBaseDelay.");
        builder.Services.AddSingleton<EmailWakeup>();
        builder.Services.AddBackgroundWork<EmailSender>();

        // What on-call watches of email: deliveries waiting (and how long the oldest has), and those given up on.
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.notifications.emails.pending", "{email}", "Notification emails waiting to be sent or tried again",
            async (s, ct) => await s.GetRequiredService<NotificationsDb>().EmailDeliveries.CountAsync(d => d.Status == DeliveryStatus.Pending, ct)));
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.notifications.emails.oldest_pending_age", "s", "Age of the oldest notification email still waiting to be sent (0 when none)",
            async (s, ct) => PipelineGauge.AgeSeconds(
                await s.GetRequiredService<NotificationsDb>().EmailDeliveries.Where(d => d.Status == DeliveryStatus.Pending).MinAsync(d => (DateTimeOffset?)d.CreatedAt, ct),
                s.GetRequiredService<TimeProvider>().GetUtcNow())) with
        {
            ThresholdKey = "EmailOldestPendingSeconds",
            DefaultThreshold = TimeSpan.FromHours(1).TotalSeconds,
            Reason = r => $"emails are not going out: the oldest pending one is {PipelineGauge.Duration(r.Value)} old (is the SMTP server reachable?)",
        });
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.notifications.emails.failed", "{email}", "Notification emails given up on (rejected for good or out of attempts): GET /email-deliveries?status=failed",
            async (s, ct) => await s.GetRequiredService<NotificationsDb>().EmailDeliveries.CountAsync(d => d.Status == DeliveryStatus.Failed, ct)));
        return builder;
    }
}
