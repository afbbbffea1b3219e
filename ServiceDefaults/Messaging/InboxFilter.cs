using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Cic.ServiceDefaults.Messaging;

/// <summary>
/// Makes a consumer's effect happen once per message, however often the message arrives. Around
/// the consumer it opens a transaction, records (consumer, message id) in <c>inbox_messages</c>,
/// runs the consumer, saves its changes (including any outbox events) and commits. A message whose
/// id is already recorded for this consumer is acknowledged and skipped. Concurrent deliveries of
/// the same message serialise on the inbox row's unique key.
/// </summary>
public sealed partial class InboxFilter<TMessage>(
    DbContext db,
    TimeProvider time,
    ILogger<InboxFilter<TMessage>> log) : IFilter<ConsumeContext<TMessage>> where TMessage : class
{
    public async Task Send(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next)
    {
        if (context.MessageId is not { } messageId)
        {
            await next.Send(context);
            return;
        }

        var consumer = ConsumerName(context.ReceiveContext.InputAddress);
        var cancellationToken = context.CancellationToken;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var first = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO inbox_messages (consumer, message_id, processed_at)
            VALUES ({consumer}, {messageId}, {time.GetUtcNow()})
            ON CONFLICT DO NOTHING
            """, cancellationToken);
        if (first == 0)
        {
            LogDuplicate(messageId, consumer);
            await transaction.RollbackAsync(cancellationToken);
            // Counts as consumed, so it is acknowledged rather than moved to the _skipped queue.
            await context.NotifyConsumed(context, TimeSpan.Zero, "inbox (duplicate)");
            return;
        }

        try
        {
            await next.Send(context);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            // A retry of this message must not see half of this attempt's tracked changes.
            db.ChangeTracker.Clear();
            throw;
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("inbox");

    private static string ConsumerName(Uri inputAddress) => inputAddress.Segments[^1].Trim('/');

    [LoggerMessage(LogLevel.Information, "Message {MessageId} was already processed by {Consumer}; skipped")]
    private partial void LogDuplicate(Guid messageId, string consumer);
}
