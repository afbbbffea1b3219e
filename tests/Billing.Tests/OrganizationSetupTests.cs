using System.Net.Http.Json;
using Cic.Billing.BillingAccounts;
using Cic.Billing.Readiness;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Testing;

namespace Cic.Billing.Tests;

/// <summary>The seed's "Setting up Stripe billing at the organization level" and "Switching billing levels", as readiness shows them.</summary>
[Collection(nameof(BillingService))]
public sealed class OrganizationSetupTests(BillingFixture billing)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_card_goes_on_the_organization_and_its_companies_need_none()
    {
        var organization = await billing.OrganizationAsync("Northwind Group");
        var companies = new[] { await billing.CompanyInAsync(organization, "Northwind East"), await billing.CompanyInAsync(organization, "Northwind West") };
        var owner = await billing.MemberAsync(AccountKind.Organization, organization, MemberRole.Owner);
        var portal = billing.Client(TestTokens.Customer(owner));

        var notYet = await ReadinessAsync(portal, companies[0]);
        Assert.False(notYet.Ready);
        Assert.Equal(organization, notYet.PayerId);
        Assert.Equal(["payer_no_stripe_customer", "payer_no_default_card"], notYet.Problems.Select(p => p.Code));
        Assert.Contains(await NotReadyAsync(), r => r.AccountId == organization);

        var card = await billing.AddCardAsync(portal, organization);
        (await portal.PostAsync($"/billing-accounts/{organization}/payment-methods/{card.Id}/default", null, Ct)).EnsureSuccessStatusCode();

        Assert.True((await ReadinessAsync(portal, organization)).Ready);
        foreach (var company in companies)
        {
            // The organization's owner sees its companies' billing, and they are ready through the organization.
            var readiness = await ReadinessAsync(portal, company);
            Assert.True(readiness.Ready, string.Join("; ", readiness.Problems.Select(p => p.Message)));
            Assert.Equal(organization, readiness.PayerId);
            Assert.Empty(await BillingFixture.CardsAsync(portal, company));
        }

        Assert.DoesNotContain(await NotReadyAsync(), r => r.AccountId == organization || companies.Contains(r.AccountId));
        Assert.Equal(0, await billing.CountAsync($"SELECT count(*) FROM billing_accounts WHERE id IN ('{companies[0]}', '{companies[1]}') AND stripe_customer_id IS NOT NULL"));
    }

    [Fact]
    public async Task A_billing_account_says_who_pays_for_it_now_and_from_the_next_cycle()
    {
        var organization = await billing.OrganizationAsync("Contoso Group");
        var inside = await billing.CompanyInAsync(organization, "Contoso North");
        var alone = await billing.CompanyAsync("Fabrikam");
        var nextMonth = BillingCycle.Containing(DateTimeOffset.UtcNow).End;
        await billing.JoinAsync(alone, organization, nextMonth, version: 2);
        var portal = billing.Client(TestTokens.Customer(await billing.MemberAsync(AccountKind.Organization, organization, MemberRole.Member)));

        var billedThrough = await portal.GetFromJsonAsync<BillingAccountResponse>($"/billing-accounts/{inside}", Ct);
        var switching = await billing.Staff.GetFromJsonAsync<BillingAccountResponse>($"/billing-accounts/{alone}", Ct);
        var payer = await portal.GetFromJsonAsync<BillingAccountResponse>($"/billing-accounts/{organization}", Ct);

        Assert.Equal((AccountKind.Organization, organization, "Contoso Group", true),
            (billedThrough!.Payer!.Kind, billedThrough.Payer.Id, billedThrough.Payer.Name, billedThrough.Payer.BilledThrough));
        Assert.Null(billedThrough.NextPayer);
        Assert.Equal((AccountKind.Company, alone, "Fabrikam", false), (switching!.Payer!.Kind, switching.Payer.Id, switching.Payer.Name, switching.Payer.BilledThrough));
        Assert.Equal((organization, "Contoso Group", nextMonth, true),
            (switching.NextPayer!.Id, switching.NextPayer.Name, switching.NextPayer.Since, switching.NextPayer.BilledThrough));
        Assert.Equal((organization, false), (payer!.Payer!.Id, payer.Payer.BilledThrough));
    }

    [Fact]
    public async Task A_pending_switch_to_an_organization_without_a_card_is_not_ready()
    {
        var company = await billing.CompanyAsync("Solo Corp");
        var staff = billing.Staff;
        await billing.AuthorizeStaffAsync(AccountKind.Company, company);
        var card = await billing.AddCardAsync(staff, company);
        (await staff.PostAsync($"/billing-accounts/{company}/payment-methods/{card.Id}/default", null, Ct)).EnsureSuccessStatusCode();
        Assert.True((await ReadinessAsync(staff, company)).Ready);

        // Moving into an organization: membership now, billing from the next cycle.
        var organization = await billing.OrganizationAsync("New Parent Ltd");
        var nextCycle = NextCycleStart();
        await billing.JoinAsync(company, organization, nextCycle, version: 2);

        var pending = await ReadinessAsync(staff, company);
        Assert.True(pending.PendingSwitch);
        Assert.Equal(organization, pending.PayerId);
        Assert.Equal(nextCycle, pending.NextCycleStart);
        Assert.Contains(pending.Problems, p => p.Code == "payer_no_default_card" && p.Message.Contains("New Parent Ltd", StringComparison.Ordinal));

        // "Set up the payment method at the new level."
        await billing.AuthorizeStaffAsync(AccountKind.Organization, organization);
        var orgCard = await billing.AddCardAsync(staff, organization);
        (await staff.PostAsync($"/billing-accounts/{organization}/payment-methods/{orgCard.Id}/default", null, Ct)).EnsureSuccessStatusCode();
        var ready = await ReadinessAsync(staff, company);
        Assert.True(ready.Ready, string.Join("; ", ready.Problems.Select(p => p.Message)));
        Assert.True(ready.PendingSwitch);

        // Accounts cancels the switch (the company moved back out): the company pays for itself again.
        await billing.ArrangeAsync(company, AccountKind.Company, company, nextCycle, version: 3);
        var cancelled = await ReadinessAsync(staff, company);
        Assert.False(cancelled.PendingSwitch);
        Assert.Equal(company, cancelled.PayerId);
    }

    private static DateTimeOffset NextCycleStart()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
    }

    private static async Task<ReadinessResponse> ReadinessAsync(HttpClient portal, Guid accountId) =>
        (await portal.GetFromJsonAsync<ReadinessResponse>($"/billing-accounts/{accountId}/readiness", Ct))!;

    private async Task<List<ReadinessResponse>> NotReadyAsync() =>
        (await billing.Staff.GetFromJsonAsync<List<ReadinessResponse>>("/billing-accounts/not-ready", Ct))!;
}
