using System.Diagnostics;
using System.Globalization;
using Cic.Billing.BillingAccounts;
using Cic.Contracts.Usage;
using Cic.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.UsagePush;

/// <summary>
/// Usage tallied a company's hour (again): the ledger keeps the highest revision's absolute count and,
/// when that is more than the window's pushes add up to, records one new push for the difference.
/// Runs in the inbox transaction with the window's row locked, so redeliveries, revisions in any order
/// and concurrent revisions of one window never add the same calls twice.
/// </summary>
public sealed partial class UsageTalliedConsumer(BillingDb db, MeterPushWakeup wakeup, TimeProvider time, ILogger<UsageTalliedConsumer> log)
    : IConsumer<UsageTallied>
{
    public async Task Consume(ConsumeContext<UsageTallied> context)
    {
        var m = context.Message;
        Validate(m);
        var cancellationToken = context.CancellationToken;
        var start = m.WindowStart.ToUniversalTime();
        var now = time.GetUtcNow();

        // The row must exist to be locked; a placeholder at revision 0 loses to any real revision.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO billable_hours (company_id, window_start, window_end, call_count, revision, payer_id, updated_at)
            VALUES ({m.CompanyId}, {start}, {m.WindowEnd.ToUniversalTime()}, 0, 0, NULL, {now})
            ON CONFLICT (company_id, window_start) DO NOTHING
            """, cancellationToken);
        var window = await db.BillableHours
            .FromSql($"SELECT * FROM billable_hours WHERE company_id = {m.CompanyId} AND window_start = {start} FOR UPDATE")
            .SingleAsync(cancellationToken);
        if (m.Revision <= window.Revision)
        {
            LogStaleRevision(m.CompanyId, start, m.Revision, window.Revision);
            return;
        }

        window.CallCount = m.CallCount;
        window.Revision = m.Revision;
        window.UpdatedAt = now;
        window.PayerId ??= (await db.InForceAtAsync(m.CompanyId, start, cancellationToken))?.PayerId;

        // Every push counts, rejected ones too: a refused difference is shown to staff, not sent again under another name.
        var pushed = await db.MeterPushes
            .Where(p => p.CompanyId == m.CompanyId && p.WindowStart == start)
            .SumAsync(p => p.Calls, cancellationToken);
        if (window.CallCount > pushed)
        {
            db.MeterPushes.Add(new MeterPush
            {
                Identifier = MeterPushIdentifier.For(m.CompanyId, start, window.Revision),
                CompanyId = m.CompanyId,
                WindowStart = start,
                Revision = window.Revision,
                Calls = window.CallCount - pushed,
                PayerId = window.PayerId,
                CreatedAt = now,
                NextAttemptAt = now,
                TraceParent = Activity.Current?.Id,
            });
            wakeup.NotifyAfterCommit(db);
        }
        else if (window.CallCount < pushed)
        {
            // Usage never removes calls; if a recount is lower, what Stripe has stays and the reconciliation view shows the gap.
            LogCountFell(m.CompanyId, start, m.Revision, window.CallCount, pushed);
        }
    }

    private static void Validate(UsageTallied m)
    {
        if (m.CompanyId == Guid.Empty)
        {
            throw new InvalidMessageException("CompanyId is required");
        }

        var start = m.WindowStart.ToUniversalTime();
        if (start.Ticks % TimeSpan.TicksPerHour != 0 || m.WindowEnd - m.WindowStart != TimeSpan.FromHours(1))
        {
            throw new InvalidMessageException(
                $"The window {m.WindowStart:O} to {m.WindowEnd:O} is not one UTC hour starting on the hour");
        }

        if (m.CallCount < 0)
        {
            throw new InvalidMessageException($"CallCount {m.CallCount} is negative");
        }

        if (m.Revision < 1)
        {
            throw new InvalidMessageException($"Revision {m.Revision} is not 1 or more");
        }
    }

    [LoggerMessage(LogLevel.Debug, "Revision {Revision} of company {CompanyId}'s window {WindowStart} is not newer than revision {Known}; nothing changes")]
    private partial void LogStaleRevision(Guid companyId, DateTimeOffset windowStart, int revision, long known);

    [LoggerMessage(LogLevel.Warning, "Revision {Revision} of company {CompanyId}'s window {WindowStart} counts {Count} calls, fewer than the {Pushed} already pushed to Stripe")]
    private partial void LogCountFell(Guid companyId, DateTimeOffset windowStart, int revision, long count, long pushed);
}

/// <summary>The meter event identifier of a push: the same company, window and revision always give the same one.</summary>
public static class MeterPushIdentifier
{
    /// <summary>E.g. <c>cic-3f2a…-2026111009-r2</c>: at most 59 characters, within Stripe's 100.</summary>
    public static string For(Guid companyId, DateTimeOffset windowStart, long revision) =>
        string.Create(CultureInfo.InvariantCulture, $"cic-{companyId:N}-{windowStart.ToUniversalTime():yyyyMMddHH}-r{revision}");
}
