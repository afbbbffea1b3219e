using System.Net.Http.Json;
using Cic.Billing.Readiness;
using Cic.Contracts;
using Cic.Contracts.Billing;
using Cic.Testing;

namespace Cic.Billing.Tests;

/// <summary>"Check whether their payment method is still valid (Stripe will report expired cards)."</summary>
[Collection(nameof(BillingService))]
public sealed class CardExpiryTests(BillingFixture billing)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_expired_default_card_turns_readiness_red_and_is_reported_once()
    {
        var company = await billing.CompanyAsync("Expiring Goods");
        var staff = billing.Staff;
        await billing.AuthorizeStaffAsync(AccountKind.Company, company);
        var card = await billing.AddCardAsync(staff, company);
        (await staff.PostAsync($"/billing-accounts/{company}/payment-methods/{card.Id}/default", null, Ct)).EnsureSuccessStatusCode();
        var mark = await billing.Database.MarkAsync();

        // The card silently passes its expiry (Stripe sends no event for that); the next sync notices.
        await billing.Stripe.ControlAsync($"/_emulator/payment_methods/{card.Id}/expire", cancellationToken: Ct);
        (await staff.PostAsync($"/billing-accounts/{company}/sync", null, Ct)).EnsureSuccessStatusCode();
        (await staff.PostAsync($"/billing-accounts/{company}/sync", null, Ct)).EnsureSuccessStatusCode();

        var listed = Assert.Single(await BillingFixture.CardsAsync(staff, company));
        Assert.True(listed.Expired);
        var readiness = (await staff.GetFromJsonAsync<ReadinessResponse>($"/billing-accounts/{company}/readiness", Ct))!;
        Assert.Equal(["default_card_expired"], readiness.Problems.Select(p => p.Code));

        var expired = Assert.Single(await billing.Database.EventsSinceAsync(mark), e => e.Name == nameof(PaymentMethodExpired)).As<PaymentMethodExpired>();
        Assert.Equal((company, card.Id, "4242", true), (expired.BillingAccountId, expired.PaymentMethodId, expired.Last4, expired.WasDefault));
    }

    [Fact]
    public async Task A_card_updated_by_the_card_network_is_valid_again()
    {
        var company = await billing.CompanyAsync("Renewed Cards Co");
        var staff = billing.Staff;
        await billing.AuthorizeStaffAsync(AccountKind.Company, company);
        var card = await billing.AddCardAsync(staff, company);
        (await staff.PostAsync($"/billing-accounts/{company}/payment-methods/{card.Id}/default", null, Ct)).EnsureSuccessStatusCode();
        await billing.Stripe.ControlAsync($"/_emulator/payment_methods/{card.Id}/expire", cancellationToken: Ct);
        (await staff.PostAsync($"/billing-accounts/{company}/sync", null, Ct)).EnsureSuccessStatusCode();
        Assert.True(Assert.Single(await BillingFixture.CardsAsync(staff, company)).Expired);

        // Stripe's card account updater: payment_method.automatically_updated, learned by webhook.
        var newYear = DateTime.UtcNow.Year + 4;
        await billing.Stripe.ControlAsync($"/_emulator/payment_methods/{card.Id}/automatic_update", [new("exp_month", "6"), new("exp_year", newYear.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("last4", "1881")], Ct);

        var updated = await Eventually.Returns(
            async () => Assert.Single(await BillingFixture.CardsAsync(staff, company)),
            c => c.ExpYear == newYear,
            "the updated expiry to arrive by webhook");
        Assert.Equal(("1881", 6, false), (updated.Last4, updated.ExpMonth, updated.Expired));
        Assert.True((await staff.GetFromJsonAsync<ReadinessResponse>($"/billing-accounts/{company}/readiness", Ct))!.Ready);
    }
}
