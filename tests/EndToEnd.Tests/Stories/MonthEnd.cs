using System.Globalization;
using Cic.EndToEnd.Tests.Actors;
using Cic.EndToEnd.Tests.Platform;
using Cic.Testing;
using Xunit.Sdk;
using Xunit.v3;

[assembly: TestCollectionOrderer(typeof(Cic.EndToEnd.Tests.Stories.MonthEndLast))]

namespace Cic.EndToEnd.Tests.Stories;

/// <summary>
/// The invoice stories (2, 3, 4 and 6) need a billing cycle to end. Every Stripe customer of the platform lives
/// on one test clock, so the month is run out once for all of them: each story first sets up its accounts,
/// cards and calls (story 2's calls streaming while every service and the broker restart), everything is
/// waited for until Stripe's meter holds every call, then the clock is moved past the first of next month
/// and the invoices' grace hour. The stories then look at what their users see.
/// </summary>
public sealed class MonthEnd(RunningPlatform platform) : IAsyncLifetime
{
    public OrganizationMonth Organization { get; private set; } = null!;

    public SwitchMonth Switch { get; private set; } = null!;

    public FailingMonth Failing { get; private set; } = null!;

    public RefundMonth Refund { get; private set; } = null!;

    /// <summary>The billing cycle the clock ran out (a calendar month in UTC, <c>yyyy-MM</c>).</summary>
    public string Cycle { get; private set; } = null!;

    /// <summary>When that cycle ended: the first of the next month, 00:00 UTC.</summary>
    public DateTimeOffset CycleEnd { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var clock = await platform.Stripe.TestClockAsync(RunningPlatform.TestClockId);
        var now = new DateTimeOffset(DateTime.SpecifyKind(clock.FrozenTime, DateTimeKind.Utc));
        var cycleStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        Cycle = cycleStart.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        CycleEnd = cycleStart.AddMonths(1);
        var hour = CallTimes.PreviousHour();

        var switching = SwitchMonth.BeforeAsync(platform, hour);
        var failing = FailingMonth.BeforeAsync(platform, hour);
        var refund = RefundMonth.BeforeAsync(platform, hour);
        var organization = OrganizationMonth.BeforeAsync(platform);
        (Switch, Failing, Refund, Organization) = (await switching, await failing, await refund, await organization);
        await Organization.CallsThroughRestartsAsync(platform, hour);

        // Nothing is billed that Stripe's meter does not hold when the cycle closes.
        var expected = Switch.Payers.Concat(Failing.Payers).Concat(Refund.Payers).Concat(Organization.Payers);
        await Task.WhenAll(expected.Select(payer => AllInStripeAsync(payer.Key, payer.Value)));

        // As on-call would from the dashboard: to two hours into the next cycle (CycleEnd), invoices finalized and charged.
        await platform.AdvanceTestClockToNextCycleAsync();
        var advanced = await platform.Stripe.TestClockAsync(RunningPlatform.TestClockId);
        Assert.Equal(CycleEnd.AddHours(2), new DateTimeOffset(DateTime.SpecifyKind(advanced.FrozenTime, DateTimeKind.Utc)));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// The account's invoice for the cycle (its period ends with the cycle), once Stripe has finalized it and told
    /// Billing (and, if <paramref name="status"/> is given, once it has that status). Stripe also makes a 0.00
    /// invoice when a subscription starts, which the list shows too; that one is not it.
    /// </summary>
    public async Task<InvoiceSummary> InvoiceOfAsync(Portal portal, Guid accountId, string? status = null) =>
        (await Eventually.Returns(
            async () => (await portal.Billing.InvoicesAsync(accountId)).Items.FirstOrDefault(i =>
                i.PeriodEnd == CycleEnd && i.Status != "draft" && (status is null || i.Status == status)),
            invoice => invoice is not null,
            $"the {Cycle} invoice of account {accountId}{(status is null ? "" : $" to be {status}")}",
            TimeSpan.FromMinutes(2)))!;

    private Task<UsageReconciliation> AllInStripeAsync(Guid accountId, long calls) =>
        Eventually.Returns(
            () => platform.Staff.Billing.UsageReconciliationAsync(accountId, Cycle),
            view => view.CallsPushed == calls && view.CallsPending == 0 && view.CallsInStripe == calls,
            $"all {calls} calls of account {accountId} to be in Stripe's meter for {Cycle}",
            TimeSpan.FromMinutes(3));
}

[CollectionDefinition(nameof(TheMonthRunOut))]
public sealed class TheMonthRunOut : ICollectionFixture<MonthEnd>;

/// <summary>
/// The stories that need no month to end (1, 5, 7) run first, the month-end ones last. Running the month out
/// moves every customer's Stripe clock a month ahead of real time, while Billing judges card expiry by real
/// time: a card Stripe expires "last month" by the customer's clock would not yet have expired for Billing.
/// </summary>
public sealed class MonthEndLast : ITestCollectionOrderer
{
    public IReadOnlyCollection<TTestCollection> OrderTestCollections<TTestCollection>(IReadOnlyCollection<TTestCollection> testCollections)
        where TTestCollection : ITestCollection =>
        testCollections
            .OrderBy(c => c.TestCollectionClassName == typeof(TheMonthRunOut).FullName ? 1 : 0)
            .ThenBy(c => c.TestCollectionDisplayName, StringComparer.Ordinal)
            .ToList();
}
