using Cic.Notifications.Email;
using Cic.Notifications.Feed;
using Cic.Notifications.Recipients;
using Cic.Notifications.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Cic.Notifications.Notices;

/// <summary>
/// Turns a billing event into its effects: one feed entry and one pending email per recipient whose
/// settings allow that channel. It runs inside the consumer's inbox transaction, so the effects and
/// the record that the message was handled commit together. The (event, user) keys of feed entries
/// and email deliveries make it once per (event, user, channel) even for the same event arriving
/// under another message id: rows that exist are not written again.
/// </summary>
public sealed class Notifier(NotificationsDb db, BillingNotices notices, IOptions<SmtpOptions> smtp, EmailWakeup emailWakeup, TimeProvider time)
{
    public BillingNotices Notices => notices;

    /// <summary>Notifies the billing account's recipients of <paramref name="write"/>'s notice, given the account's name.</summary>
    public async Task NotifyAsync(Cic.Contracts.AccountKind kind, Guid accountId, Func<string, Notice> write, CancellationToken cancellationToken)
    {
        var name = await db.AccountNames
            .Where(a => a.AccountKind == kind && a.AccountId == accountId)
            .Select(a => a.Name)
            .FirstOrDefaultAsync(cancellationToken) ?? AccountName.Unknown(kind);
        var notice = write(name);

        var recipients = await BillingRecipients.OfAsync(db, kind, accountId, cancellationToken);
        if (recipients.Count == 0)
        {
            return;
        }

        var userIds = recipients.Select(r => r.UserId).ToList();
        var switchedOff = (await db.NotificationSettings
                .Where(s => userIds.Contains(s.UserId) && s.Type == notice.Type && !s.Enabled)
                .Select(s => new { s.UserId, s.Channel })
                .ToListAsync(cancellationToken))
            .Select(s => (s.UserId, s.Channel))
            .ToHashSet();
        var inFeed = (await db.Notifications
            .Where(n => n.EventId == notice.EventId)
            .Select(n => n.UserId)
            .ToListAsync(cancellationToken)).ToHashSet();
        var emailed = (await db.EmailDeliveries
            .Where(d => d.EventId == notice.EventId)
            .Select(d => d.UserId)
            .ToListAsync(cancellationToken)).ToHashSet();

        var now = time.GetUtcNow();
        foreach (var recipient in recipients)
        {
            if (!switchedOff.Contains((recipient.UserId, Channel.InApp)) && !inFeed.Contains(recipient.UserId))
            {
                db.Notifications.Add(new Notification
                {
                    Id = Guid.CreateVersion7(now),
                    UserId = recipient.UserId,
                    EventId = notice.EventId,
                    Type = notice.Type,
                    AccountKind = notice.AccountKind,
                    AccountId = notice.AccountId,
                    AccountName = notice.AccountName,
                    Title = notice.Title,
                    Summary = notice.Summary,
                    Link = notice.Link,
                    OccurredAt = notice.OccurredAt,
                    CreatedAt = now,
                });
            }

            if (!switchedOff.Contains((recipient.UserId, Channel.Email)) && !emailed.Contains(recipient.UserId))
            {
                var id = EmailDelivery.IdFor(notice.EventId, recipient.UserId);
                db.EmailDeliveries.Add(new EmailDelivery
                {
                    Id = id,
                    EventId = notice.EventId,
                    UserId = recipient.UserId,
                    Type = notice.Type,
                    ToAddress = recipient.Email,
                    ToName = recipient.DisplayName,
                    Subject = notice.EmailSubject,
                    Body = EmailBody(notice, recipient),
                    MessageId = $"{id:N}@{MessageIdDomain()}",
                    Status = DeliveryStatus.Pending,
                    NextAttemptAt = now,
                    CreatedAt = now,
                });
                emailWakeup.NotifyAfterCommit(db);
            }
        }
    }

    private static string EmailBody(Notice notice, Recipient recipient) =>
        $"""
        Hello {(string.IsNullOrWhiteSpace(recipient.DisplayName) ? "there" : recipient.DisplayName)},

        {notice.EmailText.TrimEnd()}

        CIC Billing

        --
        You get this email as an owner or billing member of {notice.AccountName}. You can turn these
        emails off in the CIC portal's notification settings.
        """;

    /// <summary>The sender's domain, so Message-Ids name a domain the platform sends for.</summary>
    private string MessageIdDomain()
    {
        if (smtp.Value.From is { } from && MailboxAddress.TryParse(from, out var sender) && sender.Domain is { Length: > 0 } domain)
        {
            return domain;
        }

        return "notifications.cic.invalid";
    }
}
