using Cic.Contracts;

namespace Cic.Accounts.BillingArrangements;

// The billing arrangement rule as plain functions, apart from the database work that applies it
// (ArrangementPlanner.PlanAsync): tests/Rules.Tests covers these, and ./cic mutate mutates this file.

/// <summary>What a change of membership does to a company's arrangements.</summary>
/// <param name="Cancel">The pending arrangement to call off, if any.</param>
/// <param name="AnnounceFrom">When a decision is announced (BillingArrangementChanged), the moment it takes effect; null when nothing changes.</param>
/// <param name="RecordsArrangement">True when the announced decision is a new arrangement; false when it only confirms the one in force.</param>
public sealed record ArrangementPlan(BillingArrangement? Cancel, DateTimeOffset? AnnounceFrom, bool RecordsArrangement)
{
    public static readonly ArrangementPlan Nothing = new(null, null, false);
}

public static partial class ArrangementPlanner
{
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

        return new ArrangementPlan(pending, BillingCycle.Containing(now).End, RecordsArrangement: true);
    }
}

public sealed partial class BillingArrangement
{
    /// <summary>Of a company's decisions, the one in force at <paramref name="now"/> and the one waiting to take effect.</summary>
    public static (BillingArrangement? InForce, BillingArrangement? Pending) At(IEnumerable<BillingArrangement> decisions, DateTimeOffset now)
    {
        var live = decisions.Where(a => a.CancelledAt is null).ToList();
        return (
            live.Where(a => a.EffectiveFrom <= now).MaxBy(a => (a.EffectiveFrom, a.Version)),
            live.Where(a => a.EffectiveFrom > now).MaxBy(a => (a.EffectiveFrom, a.Version)));
    }
}
