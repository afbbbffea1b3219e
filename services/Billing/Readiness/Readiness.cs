using Cic.Billing.BillingAccounts;
using Cic.Billing.PaymentMethods;
using Cic.Contracts;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.Readiness;

/// <summary>Why an account would not be billed automatically on the next cycle.</summary>
/// <param name="Code"><c>no_stripe_customer</c>, <c>no_default_card</c>, <c>default_card_expired</c>, <c>default_card_expires_before_next_cycle</c>, or the same prefixed with <c>payer_</c> when it is the paying organization's.</param>
/// <param name="Message">The problem in plain words, naming the account that must act.</param>
public sealed record ReadinessProblem(string Code, string Message);

/// <summary>
/// Whether an account is set up to be billed on the next cycle: the seed's "they exist in Stripe and
/// have a payment method on file before the next billing cycle runs".
/// </summary>
/// <param name="PayerId">The billing account that pays for this account's usage in the next cycle.</param>
/// <param name="PendingSwitch">True when the payer of the next cycle differs from the current one.</param>
public sealed record ReadinessResponse(
    Guid AccountId, AccountKind Kind, string Name, bool Ready, DateTimeOffset NextCycleStart,
    Guid PayerId, string PayerName, bool PendingSwitch, IReadOnlyList<ReadinessProblem> Problems);

public static partial class ReadinessCheck
{
    /// <summary>The readiness of one account, looking at whoever pays for it in the next cycle.</summary>
    public static async Task<ReadinessResponse> OfAsync(BillingDb db, BillingAccount account, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cycle = BillingCycle.Containing(now);
        var payer = account;
        var pendingSwitch = false;
        if (account.Kind == AccountKind.Company)
        {
            var current = await db.InForceAtAsync(account.Id, now, cancellationToken);
            var next = await db.InForceAtAsync(account.Id, cycle.End, cancellationToken);
            if (next is not null && next.PayerId != account.Id)
            {
                payer = await db.BillingAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == next.PayerId, cancellationToken) ?? account;
            }

            pendingSwitch = current is not null && next is not null && current.PayerId != next.PayerId;
        }

        var defaultCard = payer.DefaultPaymentMethodId is null ? null
            : await db.Cards.AsNoTracking().FirstOrDefaultAsync(c => c.Id == payer.DefaultPaymentMethodId && c.DetachedAt == null, cancellationToken);
        var problems = Problems(payer, defaultCard, now, isOwn: payer.Id == account.Id, pendingSwitch);
        return new ReadinessResponse(account.Id, account.Kind, account.Name, problems.Count == 0, cycle.End, payer.Id, payer.Name, pendingSwitch, problems);
    }

    /// <summary>Every payer of the next cycle that is not ready: companies billed on their own and organizations billed for companies.</summary>
    public static async Task<List<ReadinessResponse>> NotReadyAsync(BillingDb db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nextStart = BillingCycle.Containing(now).End;
        var payerIds = await db.Database
            .SqlQuery<Guid>($"""
                SELECT DISTINCT payer.payer_id AS "Value"
                FROM (SELECT DISTINCT ON (company_id) payer_id
                      FROM billing_arrangements
                      WHERE effective_from <= {nextStart}
                      ORDER BY company_id, effective_from DESC) AS payer
                """)
            .ToListAsync(cancellationToken);
        var payers = await db.BillingAccounts.AsNoTracking().Where(a => payerIds.Contains(a.Id)).OrderBy(a => a.Name).ToListAsync(cancellationToken);
        var defaults = payers.Where(p => p.DefaultPaymentMethodId != null).Select(p => p.DefaultPaymentMethodId!).ToList();
        var cards = await db.Cards.AsNoTracking().Where(c => defaults.Contains(c.Id) && c.DetachedAt == null).ToDictionaryAsync(c => c.Id, cancellationToken);
        return payers
            .Select(payer =>
            {
                var problems = Problems(payer, payer.DefaultPaymentMethodId is { } id ? cards.GetValueOrDefault(id) : null, now, isOwn: true, pendingSwitch: false);
                return new ReadinessResponse(payer.Id, payer.Kind, payer.Name, problems.Count == 0, nextStart, payer.Id, payer.Name, false, problems);
            })
            .Where(r => !r.Ready)
            .ToList();
    }
}
