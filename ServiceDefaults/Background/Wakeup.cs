using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;

namespace Cic.ServiceDefaults.Background;

/// <summary>
/// Wakes a <see cref="BackgroundWorker{TWork}"/> as soon as there is work, instead of at its next poll. Notifications that
/// arrive while one is already pending fold into it: the worker looks for all the work anyway.
/// </summary>
public class Wakeup
{
    /// <summary>Wake-ups waiting for a context's transaction to commit; weak, so a context dropped without committing is forgotten.</summary>
    private static readonly ConditionalWeakTable<DbContext, HashSet<Wakeup>> WaitingForCommit = new();

    private readonly Channel<bool> _pending = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Wakes the worker now: for work already committed.</summary>
    public void Notify() => _pending.Writer.TryWrite(true);

    /// <summary>
    /// Wakes the worker once the work <paramref name="db"/> holds is committed: when its open transaction commits, or,
    /// with none open, after its next SaveChanges. Woken earlier, the worker would not see the work yet; a rollback
    /// wakes nobody. Needs the interceptor <c>AddServiceDatabase</c> installs.
    /// </summary>
    public void NotifyAfterCommit(DbContext db)
    {
        lock (WaitingForCommit)
        {
            WaitingForCommit.GetOrCreateValue(db).Add(this);
        }
    }

    /// <summary>Waits for a notification or the timeout, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await _pending.Reader.ReadAsync(either.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // the poll interval passed
        }
    }

    internal static void Committed(DbContext db)
    {
        HashSet<Wakeup>? waiting;
        lock (WaitingForCommit)
        {
            if (!WaitingForCommit.TryGetValue(db, out waiting))
            {
                return;
            }

            WaitingForCommit.Remove(db);
        }

        foreach (var wakeup in waiting)
        {
            wakeup.Notify();
        }
    }

    internal static void Abandoned(DbContext db)
    {
        lock (WaitingForCommit)
        {
            WaitingForCommit.Remove(db);
        }
    }
}
