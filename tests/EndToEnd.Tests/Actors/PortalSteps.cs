using System.Net;
using Cic.Testing;

namespace Cic.EndToEnd.Tests.Actors;

/// <summary>Steps a portal user takes that span a few calls and a wait, as the portal's pages would.</summary>
public static class PortalSteps
{
    /// <summary>How long the platform may take to pass something on (events between services, Stripe's webhooks).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// "Add payment method": the portal asks Billing for a SetupIntent, Stripe's card form saves the card
    /// at Stripe, and the card shows in the list once Stripe has told Billing (webhook). Returns the card.
    /// </summary>
    public static async Task<Card> AddCardAsync(this Portal portal, StripeSide stripe, Guid accountId, string testCard = "pm_card_visa", CancellationToken cancellationToken = default)
    {
        var setup = await portal.Billing.StartAddingCardAsync(accountId, cancellationToken);
        var paymentMethodId = await stripe.CompleteCardFormAsync(setup, testCard, cancellationToken);
        return (await Eventually.Returns(
            async () => (await portal.Billing.CardsAsync(accountId, cancellationToken)).FirstOrDefault(c => c.Id == paymentMethodId),
            card => card is not null,
            $"the card {paymentMethodId} saved at Stripe to be listed for {portal.Who}",
            Patience))!;
    }

    /// <summary>Adds a card and makes it the one Stripe charges.</summary>
    public static async Task<Card> AddDefaultCardAsync(this Portal portal, StripeSide stripe, Guid accountId, string testCard = "pm_card_visa", CancellationToken cancellationToken = default)
    {
        var card = await portal.AddCardAsync(stripe, accountId, testCard, cancellationToken);
        return await portal.Billing.MakeDefaultAsync(accountId, card.Id, cancellationToken);
    }

    /// <summary>
    /// Waits until Billing shows <paramref name="portal"/>'s user the account: Billing learns of accounts
    /// and members from Accounts' events, a moment after Accounts answered.
    /// </summary>
    public static Task<Readiness> WhenBillingKnowsAsync(this Portal portal, Guid accountId, CancellationToken cancellationToken = default) =>
        UntilFoundAsync(() => portal.Billing.ReadinessAsync(accountId, cancellationToken), $"Billing to show account {accountId} to {portal.Who}");

    /// <summary>Calls <paramref name="read"/> until it stops answering 404 (something not arrived yet), and returns its answer.</summary>
    public static async Task<T> UntilFoundAsync<T>(Func<Task<T>> read, string what) where T : class =>
        (await Eventually.Returns(
            async () =>
            {
                try
                {
                    return await read();
                }
                catch (ApiCallFailedException e) when (e.Status == HttpStatusCode.NotFound)
                {
                    return null;
                }
            },
            found => found is not null,
            what,
            Patience))!;
}
