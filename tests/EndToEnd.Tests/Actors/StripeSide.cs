using System.Globalization;
using Cic.Testing;
using Stripe;
using Stripe.TestHelpers;

namespace Cic.EndToEnd.Tests.Actors;

/// <summary>
/// What happens at Stripe, outside the platform: the card form the portal opens (Stripe.js sends the card
/// straight to Stripe), finance's dashboard (catalog, refunds), the card networks (expiry, declines) and
/// test clocks. Here Stripe is the project's emulator (dev/StripeEmulator), reached as Stripe is:
/// Stripe.net over HTTP, plus the emulator's control endpoints for what only Stripe's own side can do.
/// </summary>
public sealed class StripeSide : IDisposable
{
    private readonly HttpClient _control;

    public StripeSide(Uri apiBase, string secretKey)
    {
        ApiBase = apiBase;
        Client = new StripeClient(new StripeClientOptions
        {
            ApiKey = secretKey,
            ApiBase = apiBase.ToString().TrimEnd('/'),
            FilesBase = apiBase.ToString().TrimEnd('/'),
            MeterEventsBase = apiBase.ToString().TrimEnd('/'),
        });
        _control = new HttpClient { BaseAddress = apiBase, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri ApiBase { get; }

    public StripeClient Client { get; }

    /// <summary>
    /// The customer fills in Stripe's card form with one of Stripe's test cards and presses save: the
    /// SetupIntent is confirmed at Stripe. Returns the saved card's payment method id.
    /// </summary>
    public async Task<string> CompleteCardFormAsync(CardSetup setup, string testCard = "pm_card_visa", CancellationToken cancellationToken = default)
    {
        var intent = await Client.V1.SetupIntents.ConfirmAsync(setup.SetupIntentId, new SetupIntentConfirmOptions { PaymentMethod = testCard }, cancellationToken: cancellationToken);
        return intent.Status == "succeeded"
            ? intent.PaymentMethodId
            : throw new InvalidOperationException($"The card form did not save the card: SetupIntent {intent.Id} is {intent.Status}.");
    }

    /// <summary>A test clock standing still at <paramref name="frozenAt"/>; customers put on it live at its time.</summary>
    public Task<TestClock> CreateTestClockAsync(DateTimeOffset frozenAt, string name, CancellationToken cancellationToken = default) =>
        Client.V1.TestHelpers.TestClocks.CreateAsync(new TestClockCreateOptions { FrozenTime = frozenAt.UtcDateTime, Name = name }, cancellationToken: cancellationToken);

    public Task<TestClock> TestClockAsync(string clockId, CancellationToken cancellationToken = default) =>
        Client.V1.TestHelpers.TestClocks.GetAsync(clockId, cancellationToken: cancellationToken);

    /// <summary>Moves the clock to <paramref name="to"/> and waits until Stripe has run everything due by then (renewals, invoices, charges): status <c>ready</c>.</summary>
    public Task AdvanceTestClockAsync(string clockId, DateTimeOffset to, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Client.AdvanceTestClockAsync(clockId, to, timeout, cancellationToken);

    /// <summary>Stripe's dashboard: refund (part of) a paid invoice to the card. Finance does this in Stripe, never in the portal.</summary>
    public Task RefundInDashboardAsync(string invoiceId, long? amount = null, CancellationToken cancellationToken = default) =>
        ControlAsync($"/_emulator/invoices/{invoiceId}/refund", amount is { } a ? [new("amount", a.ToString(CultureInfo.InvariantCulture))] : [], cancellationToken);

    /// <summary>The card silently passes its expiry date (Stripe sends no event for that); charges then fail with <c>expired_card</c>.</summary>
    public Task ExpireCardAsync(string paymentMethodId, CancellationToken cancellationToken = default) =>
        ControlAsync($"/_emulator/payment_methods/{paymentMethodId}/expire", [], cancellationToken);

    /// <summary>The card's bank starts declining every charge on it.</summary>
    public Task MakeCardDeclineAsync(string paymentMethodId, string declineCode = "insufficient_funds", CancellationToken cancellationToken = default) =>
        ControlAsync($"/_emulator/payment_methods/{paymentMethodId}/decline", [new("code", "card_declined"), new("decline_code", declineCode)], cancellationToken);

    public void Dispose() => _control.Dispose();

    private async Task ControlAsync(string path, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        using var response = await _control.PostAsync(path, new FormUrlEncodedContent(parameters), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Stripe emulator {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }
}
