using Cic.Accounts.Companies;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Cic.Accounts.BillingArrangements;

/// <summary>What a change of membership does to a company's arrangements.</summary>
/// <param name="Cancel">The pending arrangement to call off, if any.</param>
/// <param name="AnnounceFrom">When a decision is announced (BillingArrangementChanged), the moment it takes effect; null when nothing changes.</param>
/// <param name="RecordsArrangement">True when the announced decision is a new arrangement; false when it only confirms the one in force.</param>
public sealed record ArrangementPlan(BillingArrangement? Cancel, DateTimeOffset? AnnounceFrom, bool RecordsArrangement)
{
    public static readonly ArrangementPlan Nothing = new(null, null, false);
}

/// <summary>
/// Keeps a company's billing arrangement in line with its membership. A company that has never had
/// an arrangement in force gets one at once; after that, a change of payer takes effect at the start
/// of the next billing cycle, so the current cycle stays with the old payer. Changing back before
/// then cancels the pending change. Every decision is announced with BillingArrangementChanged.
/// Callers hold the company's row lock, so decisions for one company never interleave.
/// </summary>
public static class ArrangementPlanner
{
    public static async Task PlanAsync(AccountsDb db, Company company, DateTimeOffset now, string decidedBy, CancellationToken cancellationToken)
    {
        var (payerKind, payerId) = PayerFor(company.Id, company.OrganizationId);
        var decisions = await db.BillingArrangements
            .Where(a => a.CompanyId == company.Id && a.CancelledAt == null)
            .ToListAsync(cancellationToken);
        var plan = Plan(decisions, payerKind, payerId, now);
        if (plan.Cancel is { } pending)
        {
            pending.CancelledAt = now;
        }

        if (plan.AnnounceFrom is not { } effectiveFrom)
        {
            return;
        }

        if (plan.RecordsArrangement)
        {
            Decide(db, company, payerKind, payerId, effectiveFrom, now, decidedBy);
        }
        else
        {
            Announce(db, company, payerKind, payerId, effectiveFrom, now);
        }
    }

    /// <summary>Who a company's membership says should pay: the organization it is in, otherwise the company itself.</summary>
    public static (AccountKind Kind, Guid Id) PayerFor(Guid companyId, Guid? organizationId) =>
        organizationId is { } organization ? (AccountKind.Organization, organization) : (AccountKind.Company, companyId);

    /// <summary>
    /// What a company's decisions so far mean now that its membership says <paramref name="payerKind"/>/<paramref name="payerId"/>
    /// should pay: the rule of the class summary, with no database and no clock.
    /// </summary>
    public static ArrangementPlan Plan(IEnumerable<BillingArrangement> decisions, AccountKind payerKind, Guid payerId, DateTimeOffset now)
    {
        var (inForce, pending) = BillingArrangement.At(decisions, now);
        if (inForce is null)
        {
            return new ArrangementPlan(null, now, RecordsArrangement: true); // the first arrangement: in force at once
        }

        if (pending is not null && pending.PayerKind == payerKind && pending.PayerId == payerId)
        {
            return ArrangementPlan.Nothing; // already planned
        }

        if (inForce.PayerKind == payerKind && inForce.PayerId == payerId)
        {
            // Moving back before the change took effect: cancel it, and announce that the old payer stays from then on.
            return pending is null ? ArrangementPlan.Nothing : new ArrangementPlan(pending, pending.EffectiveFrom, RecordsArrangement: false);
        }

        return new ArrangementPlan(pending, BillingCycle.StartOfNext(now), RecordsArrangement: true);
    }

    private static void Decide(
        AccountsDb db, Company company, AccountKind payerKind, Guid payerId, DateTimeOffset effectiveFrom, DateTimeOffset now, string decidedBy)
    {
        var version = Announce(db, company, payerKind, payerId, effectiveFrom, now);
        db.BillingArrangements.Add(new BillingArrangement
        {
            Id = Guid.NewGuid(),
            CompanyId = company.Id,
            PayerKind = payerKind,
            PayerId = payerId,
            EffectiveFrom = effectiveFrom,
            DecidedAt = now,
            DecidedBy = decidedBy,
            Version = version,
        });
    }

    /// <summary>Publishes the decision under the company's next arrangement version, and returns that version.</summary>
    private static long Announce(
        AccountsDb db, Company company, AccountKind payerKind, Guid payerId, DateTimeOffset effectiveFrom, DateTimeOffset now)
    {
        company.ArrangementVersion++;
        db.AddIntegrationEvent(new BillingArrangementChanged(
            Guid.NewGuid(), now, company.Id, payerKind, payerId, effectiveFrom, company.ArrangementVersion));
        return company.ArrangementVersion;
    }
}
