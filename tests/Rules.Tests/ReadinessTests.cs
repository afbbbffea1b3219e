using Cic.Billing.BillingAccounts;
using Cic.Billing.PaymentMethods;
using Cic.Billing.Readiness;
using Cic.Contracts;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Cic.Rules.Tests;

/// <summary>
/// Readiness (the seed's "they exist in Stripe and have a payment method on file before the next billing cycle runs")
/// and the card expiry it rests on: a card works until the end of its expiry month (UTC).
/// </summary>
public sealed class ReadinessTests
{
    // 17 November 2026: the next cycle is charged on 1 December.
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 17, 15, 0, 0, TimeSpan.Zero));

    private DateTimeOffset Now => _clock.GetUtcNow();

    [Fact]
    public void An_account_with_a_stripe_customer_and_a_default_card_valid_past_the_next_cycle_is_ready() =>
        Assert.Empty(ReadinessCheck.Problems(Account(customer: true), CardExpiring(12, 2026), Now, isOwn: true, pendingSwitch: false));

    [Fact]
    public void Without_a_stripe_customer_or_a_default_card_both_are_named()
    {
        var problems = ReadinessCheck.Problems(Account(customer: false), null, Now, isOwn: true, pendingSwitch: false);

        Assert.Equal(["no_stripe_customer", "no_default_card"], problems.Select(p => p.Code));
        Assert.All(problems, p => Assert.StartsWith("This account has no", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_default_card_expiring_this_month_will_not_pay_the_next_cycle()
    {
        var problem = Assert.Single(ReadinessCheck.Problems(Account(customer: true), CardExpiring(11, 2026), Now, isOwn: true, pendingSwitch: false));

        Assert.Equal("default_card_expires_before_next_cycle", problem.Code);
        Assert.Contains("visa …4242", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_default_card_that_expired_says_so_with_its_expiry()
    {
        var problem = Assert.Single(ReadinessCheck.Problems(Account(customer: true), CardExpiring(10, 2026), Now, isOwn: true, pendingSwitch: false));

        Assert.Equal("default_card_expired", problem.Code);
        Assert.Contains("expired at the end of 10/2026", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_paying_organizations_problems_are_prefixed_and_name_it_and_when_it_takes_over()
    {
        var group = new BillingAccount { Id = Guid.NewGuid(), Kind = AccountKind.Organization, Name = "Initech Group" };

        var switching = ReadinessCheck.Problems(group, null, Now, isOwn: false, pendingSwitch: true);
        var paying = ReadinessCheck.Problems(group, null, Now, isOwn: false, pendingSwitch: false);

        Assert.Equal(["payer_no_stripe_customer", "payer_no_default_card"], switching.Select(p => p.Code));
        Assert.All(switching, p => Assert.StartsWith("Initech Group, which pays for this company from 2026-12-01, has no", p.Message, StringComparison.Ordinal));
        Assert.All(paying, p => Assert.StartsWith("Initech Group, which pays for this company, has no", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Time_passing_turns_a_good_card_into_one_expiring_before_the_next_cycle_then_an_expired_one()
    {
        var card = CardExpiring(1, 2027);
        var account = Account(customer: true);
        Assert.Empty(ReadinessCheck.Problems(account, card, Now, isOwn: true, pendingSwitch: false));

        _clock.Advance(TimeSpan.FromDays(20)); // 7 December: January's card will not pay for February's charge on 1 February
        Assert.Empty(ReadinessCheck.Problems(account, card, Now, isOwn: true, pendingSwitch: false));
        _clock.SetUtcNow(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal("default_card_expires_before_next_cycle", Assert.Single(ReadinessCheck.Problems(account, card, Now, isOwn: true, pendingSwitch: false)).Code);
        _clock.SetUtcNow(new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal("default_card_expired", Assert.Single(ReadinessCheck.Problems(account, card, Now, isOwn: true, pendingSwitch: false)).Code);
    }

    [Fact]
    public void A_card_works_until_the_first_moment_of_the_month_after_its_expiry_month()
    {
        var card = CardExpiring(2, 2028);
        Assert.Equal(new DateTimeOffset(2028, 3, 1, 0, 0, 0, TimeSpan.Zero), card.ExpiresAt);
        Assert.False(card.IsExpiredAt(card.ExpiresAt.AddTicks(-1)));
        Assert.True(card.IsExpiredAt(card.ExpiresAt));
        Assert.True(CardExpiring(12, 2026).ExpiresAt == new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void A_card_expires_before_the_next_cycle_exactly_when_its_expiry_month_is_this_month_or_earlier() =>
        Gen.Select(BillingCycleTests.Moments, Gen.Int[1, 12], Gen.Int[2000, 2100])
            .Sample(sample =>
            {
                var (now, month, year) = sample;
                var card = CardExpiring(month, year);
                var utc = now.UtcDateTime;
                var expiryMonthNotAfterThisOne = (year, month).CompareTo((utc.Year, utc.Month)) <= 0;
                Assert.Equal(expiryMonthNotAfterThisOne, card.ExpiresBeforeNextCycle(now));
                Assert.Equal((year, month).CompareTo((utc.Year, utc.Month)) < 0, card.IsExpiredAt(now));
            });

    private static BillingAccount Account(bool customer) => new()
    {
        Id = Guid.NewGuid(), Kind = AccountKind.Company, Name = "Globex Calls", StripeCustomerId = customer ? "cus_globex" : null,
        DefaultPaymentMethodId = "pm_visa",
    };

    private static Card CardExpiring(int month, int year) =>
        new() { Id = "pm_visa", StripeCustomerId = "cus_globex", Brand = "visa", Last4 = "4242", ExpMonth = month, ExpYear = year };
}
