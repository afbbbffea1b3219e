using Cic.Billing.BillingAccounts;
using Cic.Billing.PaymentMethods;
using Cic.Contracts;

namespace Cic.Billing.Readiness;

// What keeps a payer from being charged on the next cycle, as a plain function (tests/Rules.Tests; ./cic mutate mutates this file).
public static partial class ReadinessCheck
{
    /// <summary>
    /// What stands between <paramref name="payer"/> and an automatic charge at the start of the next cycle: a Stripe
    /// customer and a default card that still works then. <paramref name="isOwn"/> is false when the payer is the
    /// organization paying for the account asked about (codes prefixed <c>payer_</c>, messages naming it).
    /// </summary>
    public static List<ReadinessProblem> Problems(BillingAccount payer, Card? defaultCard, DateTimeOffset now, bool isOwn, bool pendingSwitch)
    {
        var nextStart = BillingCycle.Containing(now).End;
        var prefix = isOwn ? "" : "payer_";
        var who = isOwn ? "This account" : $"{payer.Name}, which pays for this company{(pendingSwitch ? $" from {nextStart:yyyy-MM-dd}" : "")},";
        var problems = new List<ReadinessProblem>();
        if (payer.StripeCustomerId is null)
        {
            problems.Add(new(prefix + "no_stripe_customer", $"{who} has no Stripe customer yet; it is created when a card is first added."));
        }

        if (defaultCard is null)
        {
            problems.Add(new(prefix + "no_default_card", $"{who} has no default card: add a card and make it the default."));
        }
        else if (defaultCard.IsExpiredAt(now))
        {
            problems.Add(new(prefix + "default_card_expired", $"{who} has a default card ({defaultCard.Brand} …{defaultCard.Last4}) that expired at the end of {defaultCard.ExpMonth:00}/{defaultCard.ExpYear}."));
        }
        else if (defaultCard.ExpiresBeforeNextCycle(now))
        {
            problems.Add(new(prefix + "default_card_expires_before_next_cycle", $"{who} has a default card ({defaultCard.Brand} …{defaultCard.Last4}) that expires before the next cycle is charged."));
        }

        return problems;
    }
}
