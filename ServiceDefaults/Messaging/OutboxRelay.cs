using System.Diagnostics;
using Cic.ServiceDefaults.Background;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cic.ServiceDefaults.Messaging;

/// <summary>
/// Publishes committed outbox messages. Each pass locks a batch of unsent rows with
/// <c>FOR UPDATE SKIP LOCKED</c> (so several instances share the work without publishing the same
/// row concurrently), publishes them all in flight at once with publisher confirms, and marks the
/// confirmed ones sent in the same transaction. A crash between publish and commit publishes the
/// batch again: delivery is at least once, and consumers' inboxes make the effect once.
/// </summary>
public sealed partial class OutboxRelay(
    IServiceScopeFactory scopes,
    IBus bus,
    OutboxSignal signal,
    IOptions<MessagingOptions> options,
    TimeProvider time,
    ILogger<OutboxRelay> log) : IBackgroundWork
{
    internal static readonly ActivitySource Activities = new("Cic.Messaging");
    private readonly MessagingOptions _options = options.Value;

    public TimeSpan PollInterval => _options.OutboxPollInterval;

    public Wakeup Wakeup => signal;

    // A full batch means more may be waiting.
    public async Task<bool> RunPassAsync(CancellationToken cancellationToken) =>
        await RelayOnceAsync(cancellationToken) == _options.OutboxBatchSize;

    /// <summary>One pass: returns how many messages were published and marked sent.</summary>
    public async Task<int> RelayOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var batch = await db.ClaimAsync<OutboxMessage>(
            "sent_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= @due_by)", "sequence",
            _options.OutboxBatchSize, time.GetUtcNow(), cancellationToken);
        if (batch.Count == 0)
        {
            return 0;
        }

        var failures = await Task.WhenAll(batch.Select(message => PublishAsync(message, cancellationToken)));

        var sentAt = time.GetUtcNow();
        foreach (var (message, failure) in batch.Zip(failures))
        {
            if (failure is null)
            {
                message.SentAt = sentAt;
                message.LastError = null;
            }
            else
            {
                message.Attempts++;
                message.LastError = DueRows.Error(failure);
                message.NextAttemptAt = sentAt + ExponentialBackoff.After(message.Attempts, TimeSpan.FromSeconds(2), _options.OutboxMaxRetryDelay);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var published = failures.Count(failure => failure is null);
        if (published < batch.Count)
        {
            LogPublishFailed(batch.Count - published, batch.Count, failures.First(failure => failure is not null)!);
        }

        return published;
    }

    private async Task<string?> PublishAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        ActivityContext.TryParse(message.TraceParent, null, out var parent);
        using var activity = Activities.StartActivity("outbox publish", ActivityKind.Internal, parent);
        activity?.SetTag("messaging.message.id", message.MessageId);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.PublishTimeout);
        try
        {
            var (body, type) = message.Deserialize();
            await bus.Publish(body, type, Pipe.Execute<PublishContext>(context => context.MessageId = message.MessageId), timeout.Token);
            return null;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    [LoggerMessage(LogLevel.Warning, "Outbox relay could not publish {Failed} of {Total} messages; they will be retried. First error: {Error}")]
    private partial void LogPublishFailed(int failed, int total, string error);
}
