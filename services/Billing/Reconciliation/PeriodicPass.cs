using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Cic.Billing.Reconciliation;

/// <summary>
/// A background pass run every <see cref="Interval"/> by one instance at a time: the others skip
/// it while a session advisory lock named after the pass is held.
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
        var db = scope.ServiceProvider.GetRequiredService<BillingDb>();
        await using var connection = new NpgsqlConnection(db.Database.GetConnectionString());
        await connection.OpenAsync(cancellationToken);
        var key = $"cic-billing-{Name}";
        await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtext(@key))", connection))
        {
            take.Parameters.AddWithValue("key", key);
            if (await take.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return false; // another instance is running it
            }
        }

        try
        {
            await RunAsync(scope.ServiceProvider, cancellationToken);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext(@key))", connection);
            release.Parameters.AddWithValue("key", key);
            await release.ExecuteScalarAsync(CancellationToken.None);
        }

        return true;
    }

    [LoggerMessage(LogLevel.Error, "The {Pass} pass failed; it runs again in {Interval}")]
    private partial void LogPassFailed(Exception e, string pass, TimeSpan interval);
}
