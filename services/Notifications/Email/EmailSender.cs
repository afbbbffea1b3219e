using Cic.ServiceDefaults.Background;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Cic.Notifications.Email;

/// <summary>
/// Sends pending emails over SMTP, outside the consumers, so a slow or absent mail server never holds
/// up the bus. Each pass leases a batch of due deliveries to this instance (<c>DueRows.LeaseAsync</c>: several
/// instances share the work; none sends a row another leased), sends them over one connection with no database
/// transaction open, and then records each outcome. A transient failure (server unreachable, a 4xx
/// answer, a timeout) is tried again after an exponentially growing wait; a permanent one (a 5xx
/// rejection of the recipient or message, an unusable address) and the last allowed attempt mark the
/// delivery failed with the reason, for staff to see. A crash after the server accepted a message but
/// before its outcome was recorded sends it once more when the lease ends, with the same Message-Id. Woken when a notice's deliveries are committed.
/// </summary>
public sealed partial class EmailSender(
    IServiceScopeFactory scopes,
    IOptions<SmtpOptions> smtpOptions,
    IOptions<EmailOptions> emailOptions,
    EmailWakeup wakeup,
    TimeProvider time,
    ILogger<EmailSender> log) : IBackgroundWork
{
    private readonly SmtpOptions _smtp = smtpOptions.Value;
    private readonly EmailOptions _options = emailOptions.Value;
    private int _noServerLogged;

    public TimeSpan PollInterval => _options.PollInterval;

    public Wakeup Wakeup => wakeup;

    public async Task<bool> RunPassAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(_smtp.Host))
        {
            if (Interlocked.Exchange(ref _noServerLogged, 1) == 0)
            {
                LogNoServer();
            }

            return false;
        }

        // A full batch means more may be due.
        return await SendDueAsync(cancellationToken) == _options.BatchSize;
    }

    /// <summary>
    /// One pass: leases due deliveries to this instance, sends them with no transaction open, records each outcome,
    /// and returns how many it handled. The lease lasts as long as every SMTP command of the batch could take; an
    /// instance that dies sends its batch again after it, with the same Message-Ids.
    /// </summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NotificationsDb>();
        var now = time.GetUtcNow();
        var batch = await db.LeaseAsync<EmailDelivery>(
            "status = 'pending' AND next_attempt_at <= @due_by", "next_attempt_at", _options.BatchSize, now,
            now + _smtp.Timeout * (_options.BatchSize + 3), cancellationToken);
        if (batch.Count == 0)
        {
            return 0;
        }

        using var client = new SmtpClient { Timeout = (int)_smtp.Timeout.TotalMilliseconds };
        Exception? unreachable = null;
        foreach (var delivery in batch)
        {
            delivery.Attempts++;
            if (unreachable is not null)
            {
                // The server could not be reached for this batch: every delivery in it waits, none is lost.
                Record(delivery, unreachable);
                continue;
            }

            try
            {
                var message = Compose(delivery);
                if (!client.IsConnected)
                {
                    try
                    {
                        await ConnectAsync(client, cancellationToken);
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                    {
                        unreachable = e;
                        throw;
                    }
                }

                await client.SendAsync(message, cancellationToken);
                delivery.Status = DeliveryStatus.Sent;
                delivery.SentAt = time.GetUtcNow();
                delivery.LastError = null;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                Record(delivery, e);
            }
        }

        if (client.IsConnected)
        {
            try
            {
                await client.DisconnectAsync(quit: true, cancellationToken);
            }
            catch (Exception e) when (e is IOException or ProtocolException or OperationCanceledException)
            {
                // the messages are sent; a rude goodbye changes nothing
            }
        }

        // Not cancelled once the batch went out: what was sent must be recorded, or it is sent again.
        await db.SaveChangesAsync(CancellationToken.None);

        var sent = batch.Count(d => d.Status == DeliveryStatus.Sent);
        if (sent < batch.Count)
        {
            LogSomeNotSent(batch.Count - sent, batch.Count, batch.First(d => d.Status != DeliveryStatus.Sent).LastError);
        }

        return batch.Count;
    }

    private void Record(EmailDelivery delivery, Exception failure)
    {
        var now = time.GetUtcNow();
        var reason = Describe(failure);
        if (IsPermanent(failure))
        {
            delivery.Status = DeliveryStatus.Failed;
            delivery.FailedAt = now;
            delivery.LastError = DueRows.Error($"Rejected: {reason}");
        }
        else if (delivery.Attempts >= _options.MaxAttempts)
        {
            delivery.Status = DeliveryStatus.Failed;
            delivery.FailedAt = now;
            delivery.LastError = DueRows.Error($"Gave up after {delivery.Attempts} attempts: {reason}");
        }
        else
        {
            delivery.NextAttemptAt = now + _options.RetryDelay(delivery.Attempts);
            delivery.LastError = DueRows.Error(reason);
        }
    }

    private MimeMessage Compose(EmailDelivery delivery)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(_smtp.From!));
        message.To.Add(new MailboxAddress(delivery.ToName, delivery.ToAddress));
        message.Subject = delivery.Subject;
        message.MessageId = delivery.MessageId;
        message.Date = delivery.CreatedAt;
        message.Headers.Add("X-CIC-Delivery-Id", delivery.Id.ToString());
        message.Headers.Add("X-CIC-Notification-Type", Settings.NotificationCatalog.Name(delivery.Type));
        message.Body = new TextPart("plain") { Text = delivery.Body };
        return message;
    }

    private async Task ConnectAsync(SmtpClient client, CancellationToken cancellationToken)
    {
        var security = !_smtp.UseTls ? SecureSocketOptions.None
            : _smtp.Port == 465 ? SecureSocketOptions.SslOnConnect
            : SecureSocketOptions.StartTls;
        await client.ConnectAsync(_smtp.Host!, _smtp.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(_smtp.UserName))
        {
            await client.AuthenticateAsync(_smtp.UserName, _smtp.Password ?? "", cancellationToken);
        }
    }

    /// <summary>
    /// Only a rejection of this recipient or this message is final. A rejected sender or login is the
    /// platform's configuration, fixed by an operator, so those are retried like an outage.
    /// </summary>
    private static bool IsPermanent(Exception failure) => failure switch
    {
        SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted } rejected
            => (int)rejected.StatusCode >= 500,
        ParseException => true,
        _ => false,
    };

    private static string Describe(Exception failure) => failure switch
    {
        SmtpCommandException command => $"SMTP {(int)command.StatusCode} ({command.ErrorCode}): {command.Message}",
        _ => $"{failure.GetType().Name}: {failure.Message}",
    };

    [LoggerMessage(LogLevel.Warning, "Smtp:Host is not set: emails are recorded and stay pending until an SMTP server is configured")]
    private partial void LogNoServer();

    [LoggerMessage(LogLevel.Warning, "{Failed} of {Total} emails were not sent this pass; first reason: {Reason}")]
    private partial void LogSomeNotSent(int failed, int total, string? reason);
}

/// <summary>Wakes the <see cref="EmailSender"/> once new deliveries are committed, instead of at its next poll.</summary>
public sealed class EmailWakeup : Wakeup;
