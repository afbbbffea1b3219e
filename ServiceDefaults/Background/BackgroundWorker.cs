using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cic.ServiceDefaults.Background;

/// <summary>One kind of a service's background work, done in passes over what is due by <see cref="BackgroundWorker{TWork}"/>.</summary>
public interface IBackgroundWork
{
    /// <summary>How long the worker waits for a wake-up before it looks anyway (retries falling due, missed wake-ups).</summary>
    TimeSpan PollInterval { get; }

    /// <summary>Notified when work becomes due; null for work that is only looked for every <see cref="PollInterval"/>.</summary>
    Wakeup? Wakeup => null;

    /// <summary>Passes this instance runs at once, each claiming its own rows.</summary>
    int Concurrency => 1;

    /// <summary>One pass over what is due.</summary>
    /// <returns>Whether more may be due right now (e.g. the pass took a full batch), so the next pass runs at once.</returns>
    Task<bool> RunPassAsync(CancellationToken cancellationToken);
}

public static class BackgroundWorkExtensions
{
    /// <summary>Runs <typeparamref name="TWork"/> (a singleton, so tests and endpoints can run a pass themselves) in the background.</summary>
    public static IServiceCollection AddBackgroundWork<TWork>(this IServiceCollection services) where TWork : class, IBackgroundWork
    {
        services.TryAddSingleton<TWork>();
        services.AddHostedService<BackgroundWorker<TWork>>();
        return services;
    }
}

/// <summary>
/// The one shape of the services' background work: a pass runs at start, another at once while a pass says more may
/// be due, otherwise when the work's <see cref="Wakeup"/> is notified or its poll interval has passed, on the
/// service's <see cref="TimeProvider"/>. A failing pass is logged and the next one comes at the poll interval; the
/// worker stops only with the service. Several instances may run the same work: each pass claims its rows
/// (<see cref="DueRows"/>) or takes a lock, so they share it.
/// </summary>
public sealed partial class BackgroundWorker<TWork>(TWork work, TimeProvider time, ILogger<TWork> log) : BackgroundService
    where TWork : class, IBackgroundWork
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (work.PollInterval <= TimeSpan.Zero)
        {
            // A zero interval would be a busy loop; refusing it stops the service at start with the reason.
            throw new InvalidOperationException($"{typeof(TWork).Name}: the poll interval must be positive, not {work.PollInterval}.");
        }

        return Task.WhenAll(Enumerable.Range(0, Math.Max(1, work.Concurrency)).Select(_ => WorkAsync(stoppingToken)));
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await work.RunPassAsync(stoppingToken))
                {
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(e, typeof(TWork).Name, work.PollInterval);
            }

            try
            {
                await (work.Wakeup is { } wakeup
                    ? wakeup.WaitAsync(work.PollInterval, time, stoppingToken)
                    : Task.Delay(work.PollInterval, time, stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(LogLevel.Error, "A pass of {Work} failed; the next one runs within {Interval}")]
    private partial void LogPassFailed(Exception e, string work, TimeSpan interval);
}
