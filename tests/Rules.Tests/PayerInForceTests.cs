using Cic.Billing.BillingAccounts;
using Cic.Contracts;
using CsCheck;

namespace Cic.Rules.Tests;

/// <summary>Billing's "which billing account pays for this usage window": the arrangement in force at the window's start.</summary>
public sealed class PayerInForceTests
{
    private static readonly Guid Company = Guid.NewGuid();
    private static readonly Guid Group = Guid.NewGuid();
    private static readonly DateTimeOffset Registered = new(2026, 10, 14, 9, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Switch = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly BillingArrangement[] OwnThenGroup =
    [
        new() { CompanyId = Company, PayerKind = AccountKind.Company, PayerId = Company, EffectiveFrom = Registered, Version = 1 },
        new() { CompanyId = Company, PayerKind = AccountKind.Organization, PayerId = Group, EffectiveFrom = Switch, Version = 2 },
    ];

    [Fact]
    public void The_window_is_paid_by_the_arrangement_that_started_by_its_start()
    {
        Assert.Equal(Company, Payers.InForceAt(OwnThenGroup, Registered)?.PayerId);
        Assert.Equal(Company, Payers.InForceAt(OwnThenGroup, Switch.AddHours(-1))?.PayerId);
        Assert.Equal(Group, Payers.InForceAt(OwnThenGroup, Switch)?.PayerId);
        Assert.Equal(Group, Payers.InForceAt(OwnThenGroup.Reverse(), Switch.AddMonths(5))?.PayerId);
    }

    [Fact]
    public void Usage_from_before_the_first_arrangement_is_paid_by_the_first_payer() =>
        Assert.Equal(Company, Payers.InForceAt(OwnThenGroup.Reverse(), Registered.AddHours(-3))?.PayerId);

    [Fact]
    public void A_company_billing_has_not_heard_of_has_no_payer_yet() =>
        Assert.Null(Payers.InForceAt([], Registered));

    [Fact]
    public void The_payer_is_always_one_of_the_companys_arrangements_and_the_latest_that_started() =>
        Gen.Select(Gen.Long[0, 400].Array[1, 8], Gen.Long[-50, 500])
            .Sample(sample =>
            {
                var (days, probeDay) = sample;
                var arrangements = days.Distinct().Select((day, i) => new BillingArrangement
                {
                    CompanyId = Company, PayerKind = AccountKind.Organization, PayerId = Guid.NewGuid(), EffectiveFrom = Registered.AddDays(day), Version = i + 1,
                }).ToList();
                var at = Registered.AddDays(probeDay);

                var payer = Payers.InForceAt(arrangements, at);

                Assert.NotNull(payer);
                Assert.Contains(payer, arrangements);
                var started = arrangements.Where(a => a.EffectiveFrom <= at).ToList();
                Assert.Equal(started.Count == 0 ? arrangements.Min(a => a.EffectiveFrom) : started.Max(a => a.EffectiveFrom), payer.EffectiveFrom);
            });
}
