using System.Data.Common;
using System.Runtime.CompilerServices;
using Cic.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Cic.Billing.UsagePush;

/// <summary>
/// Wakes the <see cref="MeterPusher"/> when a new push was recorded, instead of at its next poll. The
/// consumer records pushes inside the inbox transaction, so the wake-up waits for that transaction to
/// commit: woken earlier, the pusher would not see the push yet.
/// </summary>
public sealed class MeterPushSignal : DbTransactionInterceptor
{
    private static readonly object Armed = new();

    private readonly Wakeup _pushes = new();

    /// <summary>Contexts whose open transaction recorded pushes; weak, so a context dropped without committing is forgotten.</summary>
    private readonly ConditionalWeakTable<DbContext, object> _waitingForCommit = new();

    /// <summary>Wake the pusher once <paramref name="db"/>'s current transaction commits.</summary>
    public void NotifyAfterCommit(DbContext db) => _waitingForCommit.AddOrUpdate(db, Armed);

    public void Notify() => _pushes.Notify();

    /// <summary>Waits for a new push or the timeout, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _pushes.WaitAsync(timeout, cancellationToken);

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(eventData.Context);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(eventData.Context);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Forget(eventData.Context);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    private void Committed(DbContext? db)
    {
        if (db is not null && _waitingForCommit.Remove(db))
        {
            Notify();
        }
    }

    private void Forget(DbContext? db)
    {
        if (db is not null)
        {
            _waitingForCommit.Remove(db);
        }
    }
}
