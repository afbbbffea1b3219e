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
/// The rule itself, with no database, is in ArrangementRule.cs (<see cref="Plan"/>).
/// Callers hold the company's row lock, so decisions for one company never interleave.
/// </summary>
public static partial class ArrangementPlanner
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
