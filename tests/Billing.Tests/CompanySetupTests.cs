using System.Net;
using System.Net.Http.Json;
using Cic.Billing.Readiness;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Testing;
using Stripe;

namespace Cic.Billing.Tests;

/// <summary>The seed's "Setting up Stripe billing for a new company", and what the portal does around cards.</summary>
[Collection(nameof(BillingService))]
public sealed class CompanySetupTests(BillingFixture billing)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_new_company_gets_one_customer_a_card_and_becomes_ready()
    {
        var company = await billing.CompanyAsync("Acme Plumbing");
        var owner = await billing.MemberAsync(AccountKind.Company, company, MemberRole.Owner);
        var portal = billing.Client(TestTokens.Customer(owner));

        var before = await ReadinessAsync(portal, company);
        Assert.False(before.Ready);
        Assert.Equal(["no_stripe_customer", "no_default_card"], before.Problems.Select(p => p.Code));

        // "Click Add payment method": the customer is created automatically, the card form runs at Stripe.
        var card = await billing.AddCardAsync(portal, company, "pm_card_visa");
        Assert.Equal("visa", card.Brand);
        Assert.Equal("4242", card.Last4);
        Assert.False(card.IsDefault);
        Assert.Equal(owner, card.AddedBy);
        Assert.Equal(["no_default_card"], (await ReadinessAsync(portal, company)).Problems.Select(p => p.Code));

        // "Mark the card as the default payment method."
        var made = await portal.PostAsync($"/billing-accounts/{company}/payment-methods/{card.Id}/default", null, Ct);
        Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        var after = await ReadinessAsync(portal, company);
        Assert.True(after.Ready, string.Join("; ", after.Problems.Select(p => p.Message)));

        // Stripe holds exactly one customer for the company, tagged with its id, with the card as default.
        var customers = await billing.StripeClient.V1.Customers.SearchAsync(new CustomerSearchOptions { Query = $"metadata['cic_account_id']:'{company}'" }, cancellationToken: Ct);
        var customer = Assert.Single(customers.Data);
        Assert.Equal("Acme Plumbing", customer.Name);
        Assert.Equal(card.Id, customer.InvoiceSettings.DefaultPaymentMethodId);
    }

    [Fact]
    public async Task Concurrent_first_uses_create_one_customer()
    {
        var company = await billing.CompanyAsync("Busy Bees");
        var staff = billing.Staff;

        var starts = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => staff.PostAsync($"/billing-accounts/{company}/payment-methods/setup", null, Ct)));
        Assert.All(starts, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        var customers = await billing.StripeClient.V1.Customers.SearchAsync(new CustomerSearchOptions { Query = $"metadata['cic_account_id']:'{company}'" }, cancellationToken: Ct);
        Assert.Single(customers.Data);
    }

    [Fact]
    public async Task Several_cards_work_and_removing_the_default_requires_naming_the_next()
    {
        var company = await billing.CompanyAsync("Two Cards Ltd");
        var owner = await billing.MemberAsync(AccountKind.Company, company, MemberRole.Billing);
        var portal = billing.Client(TestTokens.Customer(owner));
        var first = await billing.AddCardAsync(portal, company, "pm_card_visa");
        var second = await billing.AddCardAsync(portal, company, "pm_card_mastercard");
        (await portal.PostAsync($"/billing-accounts/{company}/payment-methods/{first.Id}/default", null, Ct)).EnsureSuccessStatusCode();

        var cards = await BillingFixture.CardsAsync(portal, company);
        Assert.Equal([first.Id, second.Id], cards.Select(c => c.Id));
        Assert.True(cards[0].IsDefault);

        var refused = await portal.DeleteAsync($"/billing-accounts/{company}/payment-methods/{first.Id}", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("newDefaultPaymentMethodId", await refused.Content.ReadAsStringAsync(Ct));
        Assert.Equal(2, (await BillingFixture.CardsAsync(portal, company)).Count);

        var removed = await portal.DeleteAsync($"/billing-accounts/{company}/payment-methods/{first.Id}?newDefaultPaymentMethodId={second.Id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        var left = Assert.Single(await BillingFixture.CardsAsync(portal, company));
        Assert.Equal(second.Id, left.Id);
        Assert.True(left.IsDefault);
        var customer = await billing.StripeClient.V1.Customers.GetAsync((await AccountAsync(portal, company)).StripeCustomerId, cancellationToken: Ct);
        Assert.Equal(second.Id, customer.InvoiceSettings.DefaultPaymentMethodId);
        Assert.Null((await billing.StripeClient.V1.PaymentMethods.GetAsync(first.Id, cancellationToken: Ct)).CustomerId);
    }

    [Fact]
    public async Task Staff_add_a_card_on_a_customers_behalf_and_it_is_recorded()
    {
        var company = await billing.CompanyAsync("Behalf Inc");
        var owner = await billing.MemberAsync(AccountKind.Company, company, MemberRole.Owner);

        var card = await billing.AddCardAsync(billing.Staff, company);
        (await billing.Staff.PostAsync($"/billing-accounts/{company}/payment-methods/{card.Id}/default", null, Ct)).EnsureSuccessStatusCode();

        Assert.Equal("staff-sam", card.AddedBy);
        Assert.True(card.AddedByStaff);
        var actions = await billing.Client(TestTokens.Customer(owner)).GetFromJsonAsync<List<AccountActionResponse>>($"/billing-accounts/{company}/actions", Ct);
        Assert.Equal(["default_card_set", "card_setup_started"], actions!.Select(a => a.Action));
        Assert.All(actions!, a => Assert.Equal(("staff-sam", true), (a.Actor, a.ActorIsStaff)));
    }

    [Fact]
    public async Task Plain_members_read_but_do_not_manage_and_strangers_see_nothing()
    {
        var company = await billing.CompanyAsync("Guarded Co");
        var member = billing.Client(TestTokens.Customer(await billing.MemberAsync(AccountKind.Company, company, MemberRole.Member)));
        var stranger = billing.Client(TestTokens.Customer("someone-else"));

        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync($"/billing-accounts/{company}/payment-methods", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PostAsync($"/billing-accounts/{company}/payment-methods/setup", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/billing-accounts/{company}/payment-methods", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/billing-accounts/{company}/payment-methods/setup", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await billing.Client(null).GetAsync($"/billing-accounts/{company}/readiness", Ct)).StatusCode);
        Assert.Equal(0, await billing.CountAsync($"SELECT count(*) FROM billing_accounts WHERE id = '{company}' AND stripe_customer_id IS NOT NULL"));
    }

    private static async Task<ReadinessResponse> ReadinessAsync(HttpClient portal, Guid accountId) =>
        (await portal.GetFromJsonAsync<ReadinessResponse>($"/billing-accounts/{accountId}/readiness", Ct))!;

    private static async Task<BillingAccountResponse> AccountAsync(HttpClient portal, Guid accountId) =>
        (await portal.GetFromJsonAsync<BillingAccountResponse>($"/billing-accounts/{accountId}", Ct))!;
}
