using Cic.Billing.BillingAccounts;
using Cic.Contracts;

namespace Cic.Billing.Tests;

public sealed class OrganizationUsageFixture : UsagePushFixture
{
    protected override DateTime? ClockStart => new(2026, 11, 20, 12, 0, 0, DateTimeKind.Utc);
}

/// <summary>The seed's "Setting up Stripe billing at the organization level" and "Switching billing levels", for usage.</summary>
public sealed class OrganizationUsageTests(OrganizationUsageFixture billing) : IClassFixture<OrganizationUsageFixture>
{
    [Fact]
    public async Task The_usage_of_an_organizations_companies_rolls_up_to_the_organizations_one_customer()
    {
        // Relative to the clock: the other test of the class runs it forward.
        var now = await billing.ClockNowAsync();
        var cycle = BillingCycle.Containing(now);
        var hour = Max(cycle.Start, new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-1));
        var organization = await billing.OrganizationAsync("Holding Group");
        var companies = new List<Guid>();
        foreach (var name in new[] { "Holding Alpha", "Holding Beta", "Holding Gamma" })
        {
            var company = await billing.CompanyAsync(name, since: cycle.Start.AddMonths(-1));
            await billing.JoinAsync(company, organization, payerFrom: cycle.Start.AddMonths(-1), version: 2);
            companies.Add(company);
        }

        await billing.TallyAsync(companies[0], hour, 10, revision: 1);
        await billing.TallyAsync(companies[0], hour, 14, revision: 2);
        await billing.TallyAsync(companies[1], hour, 7, revision: 1);
        await billing.TallyAsync(companies[2], hour, 5, revision: 3);
        await billing.TallyAsync(companies[2], hour, 3, revision: 1);

        var view = await billing.SettledAsync(organization, cycle.ToString(), 26);
        Assert.True(view.Matches, string.Join("; ", view.Flags.Select(f => f.Message)));
        Assert.Equal(26m, view.CallsInStripe);
        Assert.Equal(
            [("Holding Alpha", 14L, 14L), ("Holding Beta", 7L, 7L), ("Holding Gamma", 5L, 5L)],
            view.Companies.Select(c => (c.Name!, c.CallsTallied, c.CallsPushed)));

        var customer = Assert.Single(await billing.CustomersTaggedAsync(organization));
        Assert.Equal(view.StripeCustomerId, customer.Id);
        Assert.Equal(26m, await billing.MeterCallsAsync(customer.Id, cycle.Start, cycle.End));
        foreach (var company in companies)
        {
            // "They do not need their own card": nor a customer of their own.
            Assert.Null(await billing.CustomerIdAsync(company));
            Assert.Empty(await billing.CustomersTaggedAsync(company));
            var own = await UsagePushFixture.ReconciliationAsync(billing.Staff, company, cycle.ToString());
            Assert.Equal((0L, 0L, 0m), (own.CallsTallied, own.CallsPushed, own.CallsInStripe ?? -1));
        }
    }

    [Fact]
    public async Task A_company_joining_an_organization_mid_month_bills_this_month_to_itself_and_the_next_to_the_organization()
    {
        var now = await billing.ClockNowAsync();
        var november = BillingCycle.Containing(now);
        var december = november.Next;
        var company = await billing.CompanyAsync("Switching Co", since: november.Start);
        var organization = await billing.OrganizationAsync("Umbrella Org");
        // Accounts: membership changes at once, the payer from the next cycle.
        await billing.JoinAsync(company, organization, payerFrom: december.Start, version: 2);

        var thisMonth = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-1);
        await billing.TallyAsync(company, thisMonth, 40, revision: 1);
        var companyCustomer = (await billing.SettledAsync(company, november.ToString(), 40)).StripeCustomerId!;
        Assert.Null(await billing.CustomerIdAsync(organization));

        await billing.AdvanceClockAsync(december.Start.AddHours(2).AddMinutes(30));
        await billing.TallyAsync(company, december.Start.AddHours(1), 25, revision: 1);
        var organizationView = await billing.SettledAsync(organization, december.ToString(), 25);
        Assert.True(organizationView.Matches, string.Join("; ", organizationView.Flags.Select(f => f.Message)));
        var row = Assert.Single(organizationView.Companies);
        Assert.Equal((company, 25L, 25L), (row.CompanyId, row.CallsTallied, row.CallsPushed));
        var organizationCustomer = organizationView.StripeCustomerId!;
        Assert.NotEqual(companyCustomer, organizationCustomer);

        // November's usage stayed with the company; December's went to the organization's customer only.
        var companyNovember = await UsagePushFixture.ReconciliationAsync(billing.Staff, company, november.ToString());
        Assert.Equal((40L, 40L, 40m), (companyNovember.CallsTallied, companyNovember.CallsPushed, companyNovember.CallsInStripe ?? -1));
        var companyDecember = await UsagePushFixture.ReconciliationAsync(billing.Staff, company, december.ToString());
        Assert.Equal((0L, 0L, 0m), (companyDecember.CallsTallied, companyDecember.CallsPushed, companyDecember.CallsInStripe ?? -1));
        Assert.Equal(40L, Assert.Single((await billing.CycleInvoiceAsync(companyCustomer, december.Start)).Lines.Data).Quantity);

        await billing.AdvanceClockAsync(december.End.AddHours(1).AddMinutes(30));
        Assert.Equal(25L, Assert.Single((await billing.CycleInvoiceAsync(organizationCustomer, december.End)).Lines.Data).Quantity);
        // The company's own subscription bills nothing for December (a draft: with no card, its November invoice left it unpaid).
        Assert.Equal(0L, Assert.Single((await billing.CycleInvoiceAsync(companyCustomer, december.End, finalized: false)).Lines.Data).Quantity);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
