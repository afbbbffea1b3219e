using Cic.EndToEnd.Tests.Actors;
using Cic.EndToEnd.Tests.Platform;
using Cic.Testing;

namespace Cic.EndToEnd.Tests.Stories;

/// <summary>Story 5: "Check whether their payment method is still valid (Stripe will report expired cards)", and the "Payment method expired" notification.</summary>
public sealed class CardExpiryStory(RunningPlatform platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_expired_card_turns_readiness_red_and_its_owner_is_told_once()
    {
        var staff = platform.Staff;
        var tag = Guid.NewGuid().ToString("N")[..6];
        var company = await staff.Accounts.RegisterCompanyAsync($"Expiring Goods {tag}", cancellationToken: Ct);
        var ownerId = $"auth0|olga-{tag}";
        var ownerEmail = $"olga-{tag}@expiring.test";
        await staff.Accounts.AddMemberAsync("companies", company.Id, ownerId, ownerEmail, "Olga Owner", "Owner", Ct);
        using var owner = platform.Customer(ownerId);
        await owner.WhenBillingKnowsAsync(company.Id, Ct);
        var card = await owner.AddDefaultCardAsync(platform.Stripe, company.Id, "pm_card_visa", Ct);
        var spare = await owner.AddCardAsync(platform.Stripe, company.Id, "pm_card_mastercard", Ct);
        Assert.True((await owner.Billing.ReadinessAsync(company.Id, Ct)).Ready);

        // The default card silently passes its expiry date: Stripe sends no event for that. The platform
        // notices when it next looks (the daily pass, or a sync, here triggered by staff twice).
        await platform.Stripe.ExpireCardAsync(card.Id, Ct);
        await staff.Billing.SyncAsync(company.Id, Ct);
        await staff.Billing.SyncAsync(company.Id, Ct);

        var readiness = await owner.Billing.ReadinessAsync(company.Id, Ct);
        Assert.False(readiness.Ready);
        Assert.Equal(["default_card_expired"], readiness.Problems.Select(p => p.Code));
        Assert.True((await owner.Billing.CardsAsync(company.Id, Ct)).Single(c => c.Id == card.Id).Expired);

        var notice = await Eventually.Returns(
            async () => (await owner.Notifications.FeedAsync(Ct)).Items.Where(n => n.Type == "payment-method-expired").ToList(),
            notices => notices.Count > 0, "the owner's 'payment method expired' notification", PortalSteps.Patience);
        Assert.Equal(company.Id, notice[0].AccountId);
        Assert.Contains("4242", notice[0].Title, StringComparison.Ordinal);

        // Once: a third look changes nothing. To know that everything sent before has arrived, the spare card
        // expires next and its notice is waited for: it travels the same way, behind the first one.
        await staff.Billing.SyncAsync(company.Id, Ct);
        await platform.Stripe.ExpireCardAsync(spare.Id, Ct);
        await staff.Billing.SyncAsync(company.Id, Ct);
        var notices = await Eventually.Returns(
            async () => (await owner.Notifications.FeedAsync(Ct)).Items.Where(n => n.Type == "payment-method-expired").ToList(),
            all => all.Any(n => n.Title.Contains("4444", StringComparison.Ordinal)), "the spare card's notice", PortalSteps.Patience);
        Assert.Single(notices, n => n.Title.Contains("4242", StringComparison.Ordinal));
        Assert.Single(notices, n => n.Title.Contains("4444", StringComparison.Ordinal));

        var mails = await Eventually.Returns(
            () => Task.FromResult(platform.MailTo(ownerEmail)),
            m => m.Count >= 2, "the owner's two emails", PortalSteps.Patience);
        var mail = Assert.Single(mails, m => m.Subject?.Contains("4242", StringComparison.Ordinal) == true);
        Assert.StartsWith("Card expired", mail.Subject, StringComparison.Ordinal);
    }
}
