using System.ComponentModel.DataAnnotations;
using Cic.Billing.BillingAccounts;
using Cic.ServiceDefaults;
using Cic.ServiceDefaults.Background;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Cic.Billing.UsagePush;

/// <summary>
/// Sends the ledger's pending pushes to Stripe in the background: woken by the consumer when a push is
/// recorded, and every <see cref="UsagePushOptions.PollInterval"/>. Each pass first gives pushes whose
/// payer was unknown their payer, if Accounts has said by now, then works through the payers with due
/// pushes, several customers at once.
/// </summary>
public sealed partial class MeterPusher(
    IServiceScopeFactory scopes, MeterPushWakeup wakeup, IOptions<UsagePushOptions> options, TimeProvider time, ILogger<MeterPusher> log)
    : IBackgroundWork
{
    public TimeSpan PollInterval => options.Value.PollInterval;

    public Wakeup Wakeup => wakeup;

    public async Task<bool> RunPassAsync(CancellationToken cancellationToken)
    {
        List<Guid> payers;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BillingDb>();
            await ResolvePayersAsync(db, cancellationToken);
            var now = time.GetUtcNow();
            payers = await db.MeterPushes
                .Where(p => p.SentAt == null && p.RejectedAt == null && p.PayerId != null && p.NextAttemptAt <= now)
                .Select(p => p.PayerId!.Value)
                .Distinct()
                .ToListAsync(cancellationToken);
        }

        await Parallel.ForEachAsync(
            payers,
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.Parallelism, CancellationToken = cancellationToken },
            async (payerId, token) =>
            {
                // A scope per payer: one payer's failure or tracked changes never touch another's.
                await using var scope = scopes.CreateAsyncScope();
                try
                {
                    await scope.ServiceProvider.GetRequiredService<PayerMeterEvents>().SendDueAsync(payerId, token);
                }
                catch (Exception e) when (!token.IsCancellationRequested)
                {
                    LogPayerFailed(e, payerId);
                }
            });
        // Each payer's pass sends up to a batch; what is left is due at once, and the next wake-up or poll finds it.
        return false;
    }

    /// <summary>
    /// Usage may arrive before Accounts said who pays for the company: such pushes wait, saying why,
    /// until the arrangement in force at their window's start is known. They are never dropped.
    /// </summary>
    private async Task ResolvePayersAsync(BillingDb db, CancellationToken cancellationToken)
    {
        var waiting = await db.MeterPushes
            .Where(p => p.PayerId == null && p.SentAt == null && p.RejectedAt == null)
            .Select(p => new { p.CompanyId, p.WindowStart })
            .Distinct()
            .OrderBy(w => w.WindowStart)
            .Take(1000)
            .ToListAsync(cancellationToken);
        foreach (var w in waiting)
        {
            var pushes = db.MeterPushes.Where(p => p.CompanyId == w.CompanyId && p.WindowStart == w.WindowStart && p.PayerId == null);
            var payerId = await db.BillableHours.Where(x => x.CompanyId == w.CompanyId && x.WindowStart == w.WindowStart).Select(x => x.PayerId).FirstOrDefaultAsync(cancellationToken)
                ?? (await db.InForceAtAsync(w.CompanyId, w.WindowStart, cancellationToken))?.PayerId;
            if (payerId is not { } payer)
            {
                var why = $"Nobody is known to pay for company {w.CompanyId} yet: the push waits for Accounts' billing arrangement.";
                if (await pushes.Where(p => p.LastError != why).ExecuteUpdateAsync(s => s.SetProperty(p => p.LastError, why), cancellationToken) > 0)
                {
                    LogWaitingForPayer(w.CompanyId, w.WindowStart);
                }

                continue;
            }

            // The window and its pushes change payer together: the usage reconciliation, reading between two separate
            // statements, saw the window's calls as the payer's but its push as nobody's ("accounted in another cycle").
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.BillableHours
                .Where(x => x.CompanyId == w.CompanyId && x.WindowStart == w.WindowStart && x.PayerId == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.PayerId, payer), cancellationToken);
            await pushes.ExecuteUpdateAsync(s => s
                .SetProperty(p => p.PayerId, payer)
                .SetProperty(p => p.LastError, (string?)null), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    [LoggerMessage(LogLevel.Error, "Pushing usage for billing account {PayerId} failed; its pushes stay pending")]
    private partial void LogPayerFailed(Exception e, Guid payerId);

    [LoggerMessage(LogLevel.Information, "Usage of company {CompanyId} for {WindowStart} waits: no billing arrangement is known for it yet")]
    private partial void LogWaitingForPayer(Guid companyId, DateTimeOffset windowStart);
}

/// <summary>
/// Wakes the <see cref="MeterPusher"/> when a new push was recorded. The consumer records pushes inside the inbox
/// transaction, so it wakes the pusher after that commit (<see cref="Wakeup.NotifyAfterCommit"/>).
/// </summary>
public sealed class MeterPushWakeup : Wakeup;
