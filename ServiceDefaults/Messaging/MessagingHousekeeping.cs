using Cic.ServiceDefaults.Background;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cic.ServiceDefaults.Messaging;

/// <summary>Deletes sent outbox messages and remembered inbox ids once they are older than their retention.</summary>
internal sealed partial class MessagingHousekeeping(
    IServiceScopeFactory scopes,
    IOptions<MessagingOptions> options,
    TimeProvider time,
    ILogger<MessagingHousekeeping> log) : IBackgroundWork
{
    public TimeSpan PollInterval => options.Value.CleanupInterval;

    public async Task<bool> RunPassAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DbContext>();
        var now = time.GetUtcNow();
        var outbox = await db.Set<OutboxMessage>()
            .Where(m => m.SentAt != null && m.SentAt < now - settings.OutboxRetention)
            .ExecuteDeleteAsync(cancellationToken);
        var inbox = await db.Set<InboxMessage>()
            .Where(m => m.ProcessedAt < now - settings.InboxRetention)
            .ExecuteDeleteAsync(cancellationToken);
        if (outbox + inbox > 0)
        {
            LogCleaned(outbox, inbox);
        }

        return false;
    }

    [LoggerMessage(LogLevel.Information, "Deleted {Outbox} sent outbox messages and {Inbox} inbox entries past retention")]
    private partial void LogCleaned(int outbox, int inbox);
}
