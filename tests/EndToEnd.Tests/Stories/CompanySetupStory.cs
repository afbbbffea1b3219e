using Cic.EndToEnd.Tests.Actors;
using Cic.EndToEnd.Tests.Platform;

namespace Cic.EndToEnd.Tests.Stories;

/// <summary>Story 1, the seed's "Setting up Stripe billing for a new company".</summary>
public sealed class CompanySetupStory(RunningPlatform platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Staff_register_a_company_and_its_user_adds_a_default_card_so_it_is_ready_to_be_billed()
    {
        var staff = platform.Staff;
        var tag = Guid.NewGuid().ToString("N")[..6];

        // A staff member registers the company and its first user in Accounts.
        var company = await staff.Accounts.RegisterCompanyAsync($"Acme Plumbing {tag}", cancellationToken: Ct);
        var adaId = $"auth0|ada-{tag}";
        await staff.Accounts.AddMemberAsync("companies", company.Id, adaId, $"ada-{tag}@acme.test", "Ada Lovelace", "Owner", Ct);
        using var ada = platform.Customer(adaId);
        var mine = await ada.Accounts.MyAccountsAsync(Ct);
        Assert.Equal((company.Id, "Owner"), (Assert.Single(mine.Companies).Id, mine.Companies[0].Role));

        // She opens the company's Payment methods section: nothing in Stripe yet, so not ready.
        var before = await ada.WhenBillingKnowsAsync(company.Id, Ct);
        Assert.False(before.Ready);
        Assert.Equal(["no_stripe_customer", "no_default_card"], before.Problems.Select(p => p.Code));
        Assert.Contains(await staff.Billing.NotReadyAsync(Ct), r => r.AccountId == company.Id);

        // "Add payment method": the Stripe customer is created for her, the card form runs at Stripe.
        var setup = await ada.Billing.StartAddingCardAsync(company.Id, Ct);
        Assert.Equal(RunningPlatform.StripePublishableKey, setup.PublishableKey);
        Assert.StartsWith("seti_", setup.SetupIntentId, StringComparison.Ordinal);
        var paymentMethodId = await platform.Stripe.CompleteCardFormAsync(setup, "pm_card_visa", Ct);
        var card = await Cic.Testing.Eventually.Returns(
            async () => (await ada.Billing.CardsAsync(company.Id, Ct)).FirstOrDefault(c => c.Id == paymentMethodId),
            c => c is not null, "the new card to be listed", PortalSteps.Patience);
        Assert.Equal(("visa", "4242", false, adaId), (card!.Brand, card.Last4, card.IsDefault, card.AddedBy));
        Assert.Equal(["no_default_card"], (await ada.Billing.ReadinessAsync(company.Id, Ct)).Problems.Select(p => p.Code));

        // She marks it as the default payment method: the company is ready to be billed on the next cycle.
        var made = await ada.Billing.MakeDefaultAsync(company.Id, card.Id, Ct);
        Assert.True(made.IsDefault);
        var after = await ada.Billing.ReadinessAsync(company.Id, Ct);
        Assert.True(after.Ready, string.Join("; ", after.Problems.Select(p => p.Message)));
        Assert.Equal((company.Id, false), (after.PayerId, after.PendingSwitch));
        Assert.DoesNotContain(await staff.Billing.NotReadyAsync(Ct), r => r.AccountId == company.Id);

        // Stripe has the one customer, with the card as the default for invoices.
        var account = await staff.Billing.AccountAsync(company.Id, Ct);
        var customer = await platform.Stripe.Client.V1.Customers.GetAsync(account.StripeCustomerId, cancellationToken: Ct);
        Assert.Equal((company.Name, card.Id), (customer.Name, customer.InvoiceSettings.DefaultPaymentMethodId));
    }
}
