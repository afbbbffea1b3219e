using Cic.Accounts.Companies;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Cic.Accounts.BillingArrangements;

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
        var (payerKind, payerId) = company.OrganizationId is { } organizationId
            ? (AccountKind.Organization, organizationId)
            : (AccountKind.Company, company.Id);

        var decisions = await db.BillingArrangements
            .Where(a => a.CompanyId == company.Id && a.CancelledAt == null)
            .ToListAsync(cancellationToken);
        var (inForce, pending) = BillingArrangement.At(decisions, now);

        if (inForce is null)
        {
            Decide(db, company, payerKind, payerId, now, now, decidedBy);
            return;
        }

        if (pending is not null && pending.PayerKind == payerKind && pending.PayerId == payerId)
        {
            return; // already planned
        }

        if (pending is not null)
        {
            pending.CancelledAt = now;
        }

        if (inForce.PayerKind == payerKind && inForce.PayerId == payerId)
        {
            if (pending is not null)
            {
                // Moving back before the change took effect: announce that the old payer stays from then on.
                Announce(db, company, payerKind, payerId, pending.EffectiveFrom, now);
            }

            return;
        }

        Decide(db, company, payerKind, payerId, BillingCycle.StartOfNext(now), now, decidedBy);
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
