using System.Net;
using System.Net.Http.Json;
using Cic.Billing.PaymentMethods;
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

        await billing.AuthorizeStaffAsync(AccountKind.Company, company);
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
    public async Task Staff_add_a_card_on_a_customers_behalf_only_while_authorized_and_each_action_names_the_authorization()
    {
        var company = await billing.CompanyAsync("Behalf Inc");
        var owner = billing.Client(TestTokens.Customer(await billing.MemberAsync(AccountKind.Company, company, MemberRole.Owner)));
        var staff = billing.Staff;

        // Without the customer's authorization staff are refused, and nothing reaches Stripe.
        var refused = await staff.PostAsync($"/billing-accounts/{company}/payment-methods/setup", null, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("not authorized CIC staff", await refused.Content.ReadAsStringAsync(Ct));
        Assert.Equal(0, await billing.CountAsync($"SELECT count(*) FROM billing_accounts WHERE id = '{company}' AND stripe_customer_id IS NOT NULL"));

        // Staff cannot authorize themselves.
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PostAsJsonAsync($"/billing-accounts/{company}/staff-authorizations", new { }, Ct)).StatusCode);

        // The owner authorizes staff; staff add a card and make it the default.
        var granted = await owner.PostAsJsonAsync($"/billing-accounts/{company}/staff-authorizations", new { expiresAt = DateTimeOffset.UtcNow.AddDays(7) }, Ct);
        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        var authorization = (await granted.Content.ReadFromJsonAsync<StaffAuthorizationResponse>(Ct))!;
        var card = await billing.AddCardAsync(staff, company);
        (await staff.PostAsync($"/billing-accounts/{company}/payment-methods/{card.Id}/default", null, Ct)).EnsureSuccessStatusCode();
        Assert.Equal(("staff-sam", true), (card.AddedBy, card.AddedByStaff));

        // The customer sees the authorization and what staff did under it.
        var seen = Assert.Single((await owner.GetFromJsonAsync<List<StaffAuthorizationResponse>>($"/billing-accounts/{company}/staff-authorizations", Ct))!);
        Assert.Equal((authorization.Id, true), (seen.Id, seen.Current));
        Assert.Equal(["default_card_set", "card_setup_started"], seen.Actions.Select(a => a.Action));
        Assert.All(seen.Actions, a => Assert.Equal(("staff-sam", true, authorization.Id), (a.Actor, a.ActorIsStaff, a.AuthorizationId)));
        var actions = (await owner.GetFromJsonAsync<List<AccountActionResponse>>($"/billing-accounts/{company}/actions", Ct))!;
        Assert.Equal(["default_card_set", "card_setup_started", "staff_authorized"], actions.Select(a => a.Action));

        // Revoked: staff are refused again, for every card action; the customer's own actions are unaffected.
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/billing-accounts/{company}/staff-authorizations/{authorization.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PostAsync($"/billing-accounts/{company}/payment-methods/setup", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PostAsync($"/billing-accounts/{company}/payment-methods/{card.Id}/default", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.DeleteAsync($"/billing-accounts/{company}/payment-methods/{card.Id}", Ct)).StatusCode);
        Assert.Single(await BillingFixture.CardsAsync(owner, company));
        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsync($"/billing-accounts/{company}/payment-methods/{card.Id}/default", null, Ct)).StatusCode);
        var revoked = Assert.Single((await owner.GetFromJsonAsync<List<StaffAuthorizationResponse>>($"/billing-accounts/{company}/staff-authorizations", Ct))!);
        Assert.False(revoked.Current);
        Assert.NotNull(revoked.RevokedAt);

        // Staff-only administration that is not about cards is unchanged.
        Assert.Equal(HttpStatusCode.OK, (await staff.PostAsync($"/billing-accounts/{company}/sync", null, Ct)).StatusCode);
    }

    [Fact]
    public async Task An_expired_authorization_no_longer_lets_staff_act_and_bad_grants_are_refused()
    {
        var company = await billing.CompanyAsync("Short Leash Ltd");
        var owner = billing.Client(TestTokens.Customer(await billing.MemberAsync(AccountKind.Company, company, MemberRole.Owner)));
        var member = billing.Client(TestTokens.Customer(await billing.MemberAsync(AccountKind.Company, company, MemberRole.Member)));

        var past = await owner.PostAsJsonAsync($"/billing-accounts/{company}/staff-authorizations", new { expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Contains("expiresAt", await past.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PostAsJsonAsync($"/billing-accounts/{company}/staff-authorizations", new { }, Ct)).StatusCode);
        Assert.Equal(0, await billing.CountAsync($"SELECT count(*) FROM staff_authorizations WHERE account_id = '{company}'"));

        // An authorization that has run out (its expiry passed since it was granted).
        var expiring = await billing.AuthorizeStaffAsync(AccountKind.Company, company, DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal(1, await billing.CountAsync($"WITH expired AS (UPDATE staff_authorizations SET expires_at = now() - interval '1 minute' WHERE id = '{expiring}' RETURNING 1) SELECT count(*) FROM expired"));
        var refused = await billing.Staff.PostAsync($"/billing-accounts/{company}/payment-methods/setup", null, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(Assert.Single((await owner.GetFromJsonAsync<List<StaffAuthorizationResponse>>($"/billing-accounts/{company}/staff-authorizations", Ct))!).Current);

        // A member without the right, or a stranger, cannot revoke; an unknown authorization is not found.
        Assert.Equal(HttpStatusCode.Forbidden, (await member.DeleteAsync($"/billing-accounts/{company}/staff-authorizations/{expiring}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.DeleteAsync($"/billing-accounts/{company}/staff-authorizations/{Guid.NewGuid()}", Ct)).StatusCode);
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
