using Cic.EndToEnd.Tests.Actors;
using Cic.EndToEnd.Tests.Platform;
using Cic.Testing;

namespace Cic.EndToEnd.Tests.Stories;

/// <summary>A customer's portal user, signed in: their id, where their email goes, and their portal.</summary>
public sealed record AccountUser(string UserId, string Email, string DisplayName, Portal Portal);

/// <summary>How customers come to be on the platform: staff set them up in Accounts, their users add cards.</summary>
public static class Onboarding
{
    /// <summary>Staff add a user to a company (<c>companies</c>) or an organization (<c>organizations</c>) with a role.</summary>
    public static async Task<AccountUser> MemberAsync(this RunningPlatform platform, string kind, Guid accountId, string firstName, string role, string tag)
    {
        var userId = $"auth0|{firstName.ToLowerInvariant()}-{tag}";
        var email = $"{firstName.ToLowerInvariant()}-{tag}@customers.test";
        await platform.Staff.Accounts.AddMemberAsync(kind, accountId, userId, email, firstName, role);
        return new AccountUser(userId, email, firstName, platform.Customer(userId));
    }

    /// <summary>The user adds a card for the account and makes it the default, once Billing knows them.</summary>
    public static async Task<Card> AddsDefaultCardAsync(this AccountUser user, RunningPlatform platform, Guid accountId, string testCard = "pm_card_visa")
    {
        await user.Portal.WhenBillingKnowsAsync(accountId);
        return await user.Portal.AddDefaultCardAsync(platform.Stripe, accountId, testCard);
    }

    /// <summary>The user's notifications of one type, waiting until at least <paramref name="count"/> have arrived.</summary>
    public static async Task<List<Notification>> NotifiedAsync(this AccountUser user, string type, int count = 1) =>
        await Eventually.Returns(
            async () => (await user.Portal.Notifications.FeedAsync()).Items.Where(n => n.Type == type).ToList(),
            notices => notices.Count >= count,
            $"{count} '{type}' notification(s) for {user.DisplayName}",
            PortalSteps.Patience);

    /// <summary>The user's notifications of one type right now.</summary>
    public static async Task<List<Notification>> NotificationsAsync(this AccountUser user, string type) =>
        (await user.Portal.Notifications.FeedAsync()).Items.Where(n => n.Type == type).ToList();
}
