using Cic.Billing.BillingAccounts;
using Cic.Contracts;

namespace Cic.Billing.PaymentMethods;

// When a card stops working, as plain functions (tests/Rules.Tests; ./cic mutate mutates this file).
public sealed partial class Card
{
    /// <summary>The first moment the card no longer works: the start of the month after its expiry month (UTC).</summary>
    public DateTimeOffset ExpiresAt => new DateTimeOffset(ExpYear, ExpMonth, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);

    /// <summary>It no longer works at <paramref name="now"/>.</summary>
    public bool IsExpiredAt(DateTimeOffset now) => ExpiresAt <= now;

    /// <summary>It will have expired when the cycle after the one containing <paramref name="now"/> is charged (or already has).</summary>
    public bool ExpiresBeforeNextCycle(DateTimeOffset now) => ExpiresAt <= BillingCycle.Containing(now).End;
}
