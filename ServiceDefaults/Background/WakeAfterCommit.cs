using System.Data.Common;
using Cic.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Cic.ServiceDefaults.Background;

/// <summary>
/// Fires the <see cref="Wakeup.NotifyAfterCommit"/>s of a context when its work is committed: at the commit of its
/// transaction, or after a SaveChanges with no transaction open (which commits on its own). Every commit also wakes
/// the outbox relay, so whoever adds an integration event need not: cheaper than looking for outbox rows among the
/// changes, which would detect changes a second time in every SaveChanges.
/// </summary>
internal sealed class WakeAfterCommit(OutboxSignal outbox) : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        CommittedWithoutTransaction(eventData.Context);
        return result;
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        CommittedWithoutTransaction(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData) => FailedWithoutTransaction(eventData.Context);

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        FailedWithoutTransaction(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(eventData.Context);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Abandoned(eventData.Context);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Abandoned(eventData.Context);
        return Task.CompletedTask;
    }

    private void CommittedWithoutTransaction(DbContext? db)
    {
        if (db is not null && db.Database.CurrentTransaction is null)
        {
            Committed(db);
        }
    }

    private static void FailedWithoutTransaction(DbContext? db)
    {
        if (db is not null && db.Database.CurrentTransaction is null)
        {
            Wakeup.Abandoned(db);
        }
    }

    private void Committed(DbContext? db)
    {
        outbox.Notify();
        if (db is not null)
        {
            Wakeup.Committed(db);
        }
    }

    private static void Abandoned(DbContext? db)
    {
        if (db is not null)
        {
            Wakeup.Abandoned(db);
        }
    }
}
