using System.Net;
using System.Net.Http.Json;
using Cic.Billing.BillingAccounts;
using Cic.Billing.UsagePush;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Testing;
using Stripe.Billing;

namespace Cic.Billing.Tests;

public sealed class UsageReconciliationFixture : UsagePushFixture
{
    protected override DateTime? ClockStart => new(2026, 11, 5, 12, 0, 0, DateTimeKind.Utc);
}

/// <summary>The staff view that answers "is everything we tallied in Stripe?" — and says where it is not.</summary>
public sealed class UsageReconciliationTests(UsageReconciliationFixture billing) : IClassFixture<UsageReconciliationFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_view_shows_matching_figures_and_flags_a_meter_event_cancelled_in_stripe()
    {
        var now = await billing.ClockNowAsync();
        var cycle = BillingCycle.Containing(now);
        var company = await billing.CompanyAsync("Tidy Books Ltd", since: cycle.Start);
        var hour = Hour(now).AddHours(-1);
        await billing.TallyAsync(company, hour.AddHours(-1), 9, revision: 1);
        await billing.TallyAsync(company, hour, 4, revision: 1);
        await billing.TallyAsync(company, hour, 6, revision: 2);

        await billing.SettledAsync(company, cycle.ToString(), 15);
        // Without a cycle, the view is of the current one.
        var view = await UsagePushFixture.ReconciliationAsync(billing.Staff, company);
        Assert.Equal(cycle.ToString(), view.Cycle);
        Assert.True(view.Matches, string.Join("; ", view.Flags.Select(f => f.Message)));
        Assert.Equal((15L, 15L, 0L, 0L, 15m), (view.CallsTallied, view.CallsPushed, view.CallsPending, view.CallsRejected, view.CallsInStripe ?? -1));
        Assert.Empty(view.OpenPushes);
        var row = Assert.Single(view.Companies);
        Assert.Equal(("Tidy Books Ltd", 15L, 15L, true), (row.Name!, row.CallsTallied, row.CallsPushed, row.Matches));

        // Someone cancels the 9 calls' meter event in Stripe, behind the platform's back.
        await billing.StripeClient.V1.Billing.MeterEventAdjustments.CreateAsync(
            new MeterEventAdjustmentCreateOptions
            {
                EventName = BillingFixture.MeterEventName,
                Type = "cancel",
                Cancel = new MeterEventAdjustmentCancelOptions { Identifier = MeterPushIdentifier.For(company, hour.AddHours(-1), 1) },
            },
            cancellationToken: Ct);

        var flagged = await UsagePushFixture.ReconciliationAsync(billing.Staff, company, cycle.ToString());
        Assert.False(flagged.Matches);
        Assert.Equal((15L, 15L, 6m), (flagged.CallsTallied, flagged.CallsPushed, flagged.CallsInStripe ?? -1));
        var flag = Assert.Single(flagged.Flags);
        Assert.Equal("stripe_differs", flag.Code);
        Assert.Contains("shows 6 calls", flag.Message);
    }

    [Fact]
    public async Task A_push_stripe_refuses_for_good_is_flagged_with_stripes_reason()
    {
        var now = await billing.ClockNowAsync();
        var cycle = BillingCycle.Containing(now);
        var company = await billing.CompanyAsync("Late Reports plc", since: cycle.Start);
        var hour = Hour(now).AddHours(-1);
        await billing.TallyAsync(company, hour, 3, revision: 1);
        await billing.SettledAsync(company, cycle.ToString(), 3);

        // Five weeks on, a recount of that hour: Stripe takes no meter event older than 35 days.
        await billing.AdvanceClockAsync(now.AddDays(36));
        await billing.TallyAsync(company, hour, 8, revision: 2);

        var view = await Eventually.Returns(
            () => UsagePushFixture.ReconciliationAsync(billing.Staff, company, cycle.ToString()),
            r => r.CallsRejected > 0,
            "the recount's push to be refused");
        Assert.Equal((8L, 3L, 0L, 5L, 3m), (view.CallsTallied, view.CallsPushed, view.CallsPending, view.CallsRejected, view.CallsInStripe ?? -1));
        Assert.Equal(["tallied_not_pushed", "rejected_pushes"], view.Flags.Select(f => f.Code));
        var refused = Assert.Single(view.OpenPushes);
        Assert.Equal(("rejected", 5L, 2L, 1), (refused.Status, refused.Calls, refused.Revision, refused.Attempts));
        Assert.Contains("timestamp_too_far_in_past", refused.LastError);

        var differences = await billing.Staff.GetFromJsonAsync<List<UsageDifferenceRow>>($"/billing-accounts/usage-differences?cycle={cycle}", Ct);
        var listed = Assert.Single(differences!, d => d.AccountId == company);
        Assert.Equal((1, 5L, 8L, 3L), (listed.RejectedPushes, listed.CallsRejected, listed.CallsTallied, listed.CallsPushed));
        Assert.Contains("timestamp_too_far_in_past", listed.LastError);
    }

    [Fact]
    public async Task Usage_of_an_hour_ahead_of_stripes_clock_waits_until_the_clock_gets_there()
    {
        var now = await billing.ClockNowAsync();
        var hour = Hour(now).AddHours(2);
        var cycle = BillingCycle.Containing(hour);
        var company = await billing.CompanyAsync("Early Clock Co", since: cycle.Start.AddMonths(-1));
        await billing.TallyAsync(company, hour, 4, revision: 1);

        var waiting = await Eventually.Returns(
            () => UsagePushFixture.ReconciliationAsync(billing.Staff, company, cycle.ToString()),
            r => r.OpenPushes.Any(p => p.Attempts > 0),
            "Stripe to have refused the push for now");
        var push = Assert.Single(waiting.OpenPushes);
        Assert.Equal(("pending", 4L), (push.Status, push.Calls));
        Assert.Contains("timestamp_in_future", push.LastError);
        Assert.Equal(["tallied_not_pushed"], waiting.Flags.Select(f => f.Code));

        await billing.AdvanceClockAsync(hour.AddMinutes(30));
        var view = await billing.SettledAsync(company, cycle.ToString(), 4);
        Assert.True(view.Matches, string.Join("; ", view.Flags.Select(f => f.Message)));
        Assert.Equal(4m, view.CallsInStripe);
    }

    [Fact]
    public async Task The_cycle_must_be_a_month_and_only_staff_see_the_view()
    {
        var company = await billing.CompanyAsync("Curious Customer Co");
        var owner = await billing.MemberAsync(AccountKind.Company, company, MemberRole.Owner);

        foreach (var cycle in new[] { "2026-13", "november", "2026-1", "1999-12" })
        {
            var refused = await billing.Staff.GetAsync($"/billing-accounts/{company}/usage-reconciliation?cycle={cycle}", Ct);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            using var problem = System.Text.Json.JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct));
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("cycle", out _), $"errors name the cycle for '{cycle}'");
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await billing.Staff.GetAsync("/billing-accounts/usage-differences?cycle=26-11", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await billing.Staff.GetAsync($"/billing-accounts/{Guid.NewGuid()}/usage-reconciliation", Ct)).StatusCode);
        var customer = billing.Client(TestTokens.Customer(owner));
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.GetAsync($"/billing-accounts/{company}/usage-reconciliation", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.GetAsync("/billing-accounts/usage-differences", Ct)).StatusCode);
    }

    private static DateTimeOffset Hour(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);
}
