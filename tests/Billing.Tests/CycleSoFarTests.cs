using System.Net;
using System.Net.Http.Json;
using Cic.Billing.BillingAccounts;
using Cic.Billing.CycleSoFar;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Testing;

namespace Cic.Billing.Tests;

public sealed class CycleSoFarFixture : UsagePushFixture
{
    protected override DateTime? ClockStart => new(2026, 11, 10, 12, 0, 0, DateTimeKind.Utc);
}

/// <summary>
/// The portal's "this cycle so far": calls per day, calls in Stripe, and the charge Stripe's invoice preview shows,
/// which is what the cycle's invoice then bills. Every test works relative to the class's test clock, which one runs forward.
/// </summary>
public sealed class CycleSoFarTests(CycleSoFarFixture billing) : IClassFixture<CycleSoFarFixture>
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_charge_so_far_is_what_the_cycle_invoice_bills_even_after_the_rate_changes_in_Stripe()
    {
        var (cycle, earlier, later) = await HoursAsync();
        var company = await billing.CompanyAsync("Cycle Cables", since: cycle.Start.AddMonths(-1));
        var member = billing.Client(TestTokens.Customer(await billing.MemberAsync(AccountKind.Company, company, MemberRole.Member)));
        await billing.TallyAsync(company, earlier, 40, revision: 1);
        await billing.TallyAsync(company, later, 10, revision: 1);
        await billing.SettledAsync(company, cycle.ToString(), 50);

        var soFar = await CycleSoFarAsync(member, company);
        Assert.Equal((cycle.ToString(), 50L, 50L), (soFar.Cycle, soFar.CallsTallied, soFar.CallsInStripe));
        Assert.Equal(company, soFar.Payer!.AccountId);
        Assert.Equal(
            new[] { earlier, later }.Select(h => DateOnly.FromDateTime(h.UtcDateTime)).Distinct().Order().ToList(),
            soFar.Days.Select(d => d.Date).ToList());
        Assert.Equal(50L, soFar.Days.Sum(d => d.CallsInStripe));
        Assert.Equal(50 * BillingFixture.UnitAmount, soFar.Charge!.Amount);
        Assert.Equal(("usd", 50L), (soFar.Charge.Currency, soFar.Charge.CallsOnInvoice!.Value));
        Assert.Equal(cycle.End, soFar.Charge.PeriodEnd);
        Assert.Empty(soFar.Notes);

        // Finance raises this customer's rate in Stripe's dashboard: the charge so far shows it at once.
        var customer = (await billing.CustomerIdAsync(company))!;
        await billing.Stripe.ControlAsync($"/_emulator/prices/{billing.Price.Id}/change", [new("unit_amount", "3"), new("customer", customer)], ct);
        soFar = await CycleSoFarAsync(member, company);
        Assert.Equal(50 * 3, soFar.Charge!.Amount);

        // Calls tallied but not pushed yet are shown as such, and the charge catches up once Stripe has them.
        await billing.TallyAsync(company, later, 16, revision: 2);
        await billing.SettledAsync(company, cycle.ToString(), 56);
        soFar = await CycleSoFarAsync(member, company);
        Assert.Equal((56L, 56L, 56 * 3L), (soFar.CallsTallied, soFar.CallsInStripe, soFar.Charge!.Amount));

        await billing.AdvanceClockAsync(cycle.End.AddMinutes(90));
        var invoice = await billing.CycleInvoiceAsync(customer, cycle.End);
        Assert.Equal(soFar.Charge.Amount, invoice.Total);
        Assert.Equal(56L, Assert.Single(invoice.Lines.Data).Quantity);
    }

    [Fact]
    public async Task An_organizations_charge_is_divided_among_its_companies_and_a_company_member_sees_only_its_share()
    {
        var (cycle, earlier, later) = await HoursAsync();
        var organization = await billing.OrganizationAsync("Cycle Holdings");
        var alpha = await billing.CompanyInAsync(organization, "Cycle Alpha", since: cycle.Start.AddMonths(-1));
        var beta = await billing.CompanyInAsync(organization, "Cycle Beta", since: cycle.Start.AddMonths(-1));
        var gamma = await billing.CompanyInAsync(organization, "Cycle Gamma", since: cycle.Start.AddMonths(-1));
        await billing.TallyAsync(alpha, earlier, 7, revision: 1);
        await billing.TallyAsync(beta, later, 13, revision: 1);
        await billing.SettledAsync(organization, cycle.ToString(), 20);

        var owner = billing.Client(TestTokens.Customer(await billing.MemberAsync(AccountKind.Organization, organization, MemberRole.Owner)));
        var whole = await CycleSoFarAsync(owner, organization);
        Assert.Equal(20 * BillingFixture.UnitAmount, whole.Charge!.Amount);
        Assert.Equal(whole.Charge.Amount, whole.Charge.PayerTotal);
        Assert.Equal(
            [("Cycle Alpha", 7L, 7L, (long?)14), ("Cycle Beta", 13L, 13L, 26), ("Cycle Gamma", 0L, 0L, 0)],
            whole.Companies.Select(c => (c.Name!, c.CallsTallied, c.CallsInStripe, c.EstimatedAmount)));

        // A member of Beta alone sees Beta's calls and share, not the organization's invoice.
        var betaMember = billing.Client(TestTokens.Customer(await billing.MemberAsync(AccountKind.Company, beta, MemberRole.Member)));
        var part = await CycleSoFarAsync(betaMember, beta);
        Assert.Equal((organization, 13L, 26L), (part.Payer!.AccountId, part.CallsInStripe, part.Charge!.Amount));
        Assert.Null(part.Charge.PayerTotal);
        Assert.Empty(part.Charge.Lines);
        Assert.Equal(HttpStatusCode.NotFound, (await betaMember.GetAsync($"/billing-accounts/{organization}/cycle-so-far", ct)).StatusCode);
    }

    [Fact]
    public async Task Before_any_call_reaches_Stripe_there_is_nothing_to_charge_and_strangers_see_nothing()
    {
        var company = await billing.CompanyAsync("Cycle Quiet");
        var soFar = await CycleSoFarAsync(billing.Staff, company);

        Assert.Equal((0L, 0L), (soFar.CallsTallied, soFar.CallsInStripe));
        Assert.Empty(soFar.Days);
        Assert.Null(soFar.Charge);
        Assert.Equal("no_subscription", soFar.ChargeUnavailable!.Code);
        var stranger = billing.Client(TestTokens.Customer("someone-else"));
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/billing-accounts/{company}/cycle-so-far", ct)).StatusCode);
    }

    /// <summary>The cycle the clock is in, and two settled hours of it (the clock is always at least an hour into a cycle here).</summary>
    private async Task<(BillingCycle Cycle, DateTimeOffset Earlier, DateTimeOffset Later)> HoursAsync()
    {
        var now = await billing.ClockNowAsync();
        var cycle = BillingCycle.Containing(now);
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var later = hour.AddHours(-1) < cycle.Start ? cycle.Start : hour.AddHours(-1);
        var earlier = later.AddDays(-1) < cycle.Start ? cycle.Start : later.AddDays(-1);
        return (cycle, earlier, later);
    }

    private async Task<CycleSoFarResponse> CycleSoFarAsync(HttpClient portal, Guid accountId)
    {
        var response = await portal.GetAsync($"/billing-accounts/{accountId}/cycle-so-far", ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(ct));
        return (await response.Content.ReadFromJsonAsync<CycleSoFarResponse>(ct))!;
    }
}
