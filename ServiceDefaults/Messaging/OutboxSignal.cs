using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Cic.ServiceDefaults.Messaging;

/// <summary>Wakes the outbox relay as soon as something was committed, instead of at its next poll.</summary>
public sealed class OutboxSignal : Wakeup;

/// <summary>
/// Signals the relay after every commit: an explicit transaction's, or an implicit one of
/// SaveChanges. Cheap enough that it need not check whether outbox rows were among the changes.
/// </summary>
internal sealed class OutboxSignalInterceptor(OutboxSignal signal) : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context?.Database.CurrentTransaction is null)
        {
            signal.Notify();
        }

        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (eventData.Context?.Database.CurrentTransaction is null)
        {
            signal.Notify();
        }

        return result;
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        signal.Notify();
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => signal.Notify();
}
