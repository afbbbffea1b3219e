using Cic.ServiceDefaults.Persistence;
using Npgsql;

namespace Cic.Billing.Reconciliation;

/// <summary>
/// A background pass run every <see cref="Interval"/> by one instance at a time: the others skip
/// it while the lock named after the pass is held (<see cref="PostgresLocks.TryHoldAsync"/>).
/// </summary>
public abstract partial class PeriodicPass(IServiceScopeFactory scopes, ILogger log) : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    protected abstract string Name { get; }

    protected abstract Task RunAsync(IServiceProvider services, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(e, Name, Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
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

    [LoggerMessage(LogLevel.Error, "The {Pass} pass failed; it runs again in {Interval}")]
    private partial void LogPassFailed(Exception e, string pass, TimeSpan interval);
}
