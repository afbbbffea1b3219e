using System.Diagnostics;
using System.Globalization;
using Cic.Contracts.Usage;
using Cic.Usage.Anomalies;
using Cic.ServiceDefaults.Background;
using Cic.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Cic.Usage.Tallies;

/// <summary>
/// Publishes <see cref="UsageTallied"/> for every ended window (plus the settle delay) whose count
/// changed since it was last published: revision 1 the first time, one more after each change by
/// late calls. Each pass locks the windows it publishes (<c>FOR UPDATE SKIP LOCKED</c>, so several
/// instances share the work) and writes their events to the outbox in the same transaction that
/// records what was published.
/// </summary>
public sealed partial class TallyPublisher(
    IServiceScopeFactory scopes,
    IOptions<TallyOptions> options,
    IOptions<UsageAnomalyOptions> anomalies,
    TallyProgress progress,
    TimeProvider time,
    ILogger<TallyPublisher> log) : IBackgroundWork
{
    // Windows fall due as the clock passes their end, not by a commit: nothing to wake the publisher.
    public TimeSpan PollInterval => options.Value.PublishInterval;

    public async Task<bool> RunPassAsync(CancellationToken cancellationToken)
    {
        // A full pass means more may be due: go on at once.
        if (await PublishDueWindowsAsync(cancellationToken) == options.Value.BatchSize)
        {
            return true;
        }

        progress.PassCompleted(time.GetUtcNow());
        return false;
    }

    /// <summary>One pass: returns how many windows were published.</summary>
    public async Task<int> PublishDueWindowsAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<UsageDb>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var now = time.GetUtcNow();
        // Due: ended (plus the settle delay) and counted differently from what was last published.
        var due = await db.ClaimAsync<UsageWindow>(
            "published_count IS DISTINCT FROM call_count AND window_start <= @due_by",
            "window_start, company_id",
            settings.BatchSize,
            now - UsageWindow.Length - settings.SettleDelay,
            cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }

        foreach (var window in due)
        {
            // The event continues the trace of the last calls counted in the window (the outbox keeps Activity.Current).
            ActivityContext.TryParse(window.TraceParent, null, out var calls);
            using var activity = Activities.StartActivity("usage window tallied", ActivityKind.Producer, calls);
            activity?.SetTag("cic.company_id", window.CompanyId);
            activity?.SetTag("cic.window_start", window.WindowStart.ToString("O", CultureInfo.InvariantCulture));
            window.Revision++;
            window.PublishedCount = window.CallCount;
            window.PublishedAt = now;
            db.AddIntegrationEvent(new UsageTallied(
                EventIdOf(window),
                now,
                window.CompanyId,
                window.WindowStart,
                window.WindowStart + UsageWindow.Length,
                window.CallCount,
                window.Revision));
        }

        // The same transaction judges the hours for unusual usage, so each is judged as it is published.
        var unusual = await UnusualUsage.DetectAsync(db, due, now, anomalies.Value, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogPublished(due.Count);
        if (unusual > 0)
        {
            LogUnusual(unusual);
        }
        return due.Count;
    }

    internal static readonly ActivitySource Activities = new("Cic.Usage.Tallies");

    /// <summary>The same (company, window, revision) always gets the same event id, so a repeat is recognisable downstream.</summary>
    internal static Guid EventIdOf(UsageWindow window) =>
        EventIds.FromName($"usage-tallied:{window.CompanyId:N}:{window.WindowStart.UtcTicks}:{window.Revision}");

    [LoggerMessage(LogLevel.Information, "Published the tallies of {Windows} usage windows")]
    private partial void LogPublished(int windows);

    [LoggerMessage(LogLevel.Information, "Detected {Anomalies} hours of unusual usage")]
    private partial void LogUnusual(int anomalies);
}

/// <summary>When this instance's tally publisher last went through every due window: how far a waiting tally can be behind.</summary>
public sealed class TallyProgress(TimeProvider time)
{
    private long _lastPassTicks = time.GetUtcNow().UtcTicks;

    public DateTimeOffset LastPassAt => new(Interlocked.Read(ref _lastPassTicks), TimeSpan.Zero);

    public void PassCompleted(DateTimeOffset at) => Interlocked.Exchange(ref _lastPassTicks, at.UtcTicks);
}
