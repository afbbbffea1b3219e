using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cic.ServiceDefaults.Messaging;

/// <summary>Deletes sent outbox messages and remembered inbox ids once they are older than their retention.</summary>
internal sealed partial class MessagingHousekeeping(
    IServiceScopeFactory scopes,
    IOptions<MessagingOptions> options,
    TimeProvider time,
    ILogger<MessagingHousekeeping> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.CleanupInterval, time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<DbContext>();
                var now = time.GetUtcNow();
                var outbox = await db.Set<OutboxMessage>()
                    .Where(m => m.SentAt != null && m.SentAt < now - settings.OutboxRetention)
                    .ExecuteDeleteAsync(stoppingToken);
                var inbox = await db.Set<InboxMessage>()
                    .Where(m => m.ProcessedAt < now - settings.InboxRetention)
                    .ExecuteDeleteAsync(stoppingToken);
                if (outbox + inbox > 0)
                {
                    LogCleaned(outbox, inbox);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(LogLevel.Information, "Deleted {Outbox} sent outbox messages and {Inbox} inbox entries past retention")]
    private partial void LogCleaned(int outbox, int inbox);

    [LoggerMessage(LogLevel.Warning, "Messaging housekeeping failed; will try at the next interval")]
    private partial void LogFailed(Exception e);
}
