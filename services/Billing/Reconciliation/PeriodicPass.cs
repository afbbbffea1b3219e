using Cic.ServiceDefaults.Background;
using Cic.ServiceDefaults.Persistence;
using Npgsql;

namespace Cic.Billing.Reconciliation;

/// <summary>
/// A background pass run every <see cref="Interval"/> (by <see cref="BackgroundWorker{TWork}"/>) by one instance at a
/// time: the others skip it while the lock named after the pass is held (<see cref="PostgresLocks.TryHoldAsync"/>).
/// </summary>
public abstract class PeriodicPass(IServiceScopeFactory scopes) : IBackgroundWork
{
    protected abstract TimeSpan Interval { get; }

    protected abstract string Name { get; }

    protected abstract Task RunAsync(IServiceProvider services, CancellationToken cancellationToken);

    public TimeSpan PollInterval => Interval;

    public async Task<bool> RunPassAsync(CancellationToken cancellationToken)
    {
        await RunOnceAsync(cancellationToken);
        return false;
    }

    /// <summary>Runs the pass now, unless another instance (or this one) is running it.</summary>
    /// <returns>Whether it ran.</returns>
    public async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await using var held = await scope.ServiceProvider.GetRequiredService<NpgsqlDataSource>().TryHoldAsync($"cic-billing-{Name}", cancellationToken);
        if (held is null)
        {
            return false; // another instance is running it
        }

        await RunAsync(scope.ServiceProvider, cancellationToken);
        return true;
    }
}
