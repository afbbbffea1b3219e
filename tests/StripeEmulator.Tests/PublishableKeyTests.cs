using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Stripe;

namespace Cic.StripeEmulator.Tests;

/// <summary>
/// What Stripe.js does in a browser: with the publishable key (a <c>key</c> parameter, or a bearer key) and a
/// SetupIntent's client secret it may read and confirm that SetupIntent with the card typed into the form, and nothing else.
/// </summary>
public sealed class PublishableKeyTests(EmulatorFixture fixture)
{
    private const string PublishableKey = "pk_test_cic_emulator";
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_card_form_confirms_its_setup_intent_with_the_publishable_key_and_client_secret_sent_as_form_fields()
    {
        var (customer, intent) = await NewIntentAsync();
        using var browser = new HttpClient { BaseAddress = fixture.Stripe.BaseUrl };

        var response = await browser.PostAsync($"/v1/setup_intents/{intent.Id}/confirm", Form(
            ("key", PublishableKey), ("client_secret", intent.ClientSecret), ("expected_payment_method_type", "card"), ("use_stripe_sdk", "true"),
            ("payment_method_data[type]", "card"), ("payment_method_data[card][number]", "4242 4242 4242 4242"),
            ("payment_method_data[card][exp_month]", "8"), ("payment_method_data[card][exp_year]", "34"), ("payment_method_data[card][cvc]", "123")), ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        using var confirmed = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.Equal("succeeded", confirmed.RootElement.GetProperty("status").GetString());
        var pm = await fixture.Client.V1.PaymentMethods.GetAsync(confirmed.RootElement.GetProperty("payment_method").GetString()!, cancellationToken: ct);
        Assert.Equal((customer.Id, "visa", "4242", 8L, 2034L), (pm.CustomerId, pm.Card.Brand, pm.Card.Last4, pm.Card.ExpMonth, pm.Card.ExpYear));
    }

    [Fact]
    public async Task A_bearer_publishable_key_with_the_client_secret_may_read_and_confirm_with_a_test_payment_method()
    {
        var (_, intent) = await NewIntentAsync();
        using var browser = new HttpClient { BaseAddress = fixture.Stripe.BaseUrl };
        browser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PublishableKey);

        var read = await browser.GetAsync($"/v1/setup_intents/{intent.Id}?client_secret={intent.ClientSecret}", ct);
        var confirmed = await browser.PostAsync($"/v1/setup_intents/{intent.Id}/confirm", Form(("client_secret", intent.ClientSecret), ("payment_method", "pm_card_mastercard")), ct);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal("succeeded", (await fixture.Client.V1.SetupIntents.GetAsync(intent.Id, cancellationToken: ct)).Status);
    }

    [Fact]
    public async Task A_publishable_key_may_do_nothing_else()
    {
        var (customer, intent) = await NewIntentAsync();
        var (_, other) = await NewIntentAsync();
        using var browser = new HttpClient { BaseAddress = fixture.Stripe.BaseUrl };
        var card = new[] { ("payment_method", "pm_card_visa") };

        var noSecret = await browser.PostAsync($"/v1/setup_intents/{intent.Id}/confirm", Form([("key", PublishableKey), .. card]), ct);
        var otherSecret = await browser.PostAsync($"/v1/setup_intents/{other.Id}/confirm", Form([("key", PublishableKey), ("client_secret", intent.ClientSecret), .. card]), ct);
        var customers = await browser.GetAsync($"/v1/customers/{customer.Id}?key={PublishableKey}", ct);
        var create = await browser.PostAsync("/v1/setup_intents", Form(("key", PublishableKey), ("customer", customer.Id)), ct);
        var update = await browser.PostAsync($"/v1/setup_intents/{intent.Id}", Form(("key", PublishableKey), ("client_secret", intent.ClientSecret), ("description", "x")), ct);
        var notAKey = await browser.PostAsync($"/v1/setup_intents/{intent.Id}/confirm", Form([("key", "pk_live_x"), ("client_secret", intent.ClientSecret), .. card]), ct);

        Assert.Equal(HttpStatusCode.BadRequest, noSecret.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, otherSecret.StatusCode);
        Assert.Contains("client_secret", await otherSecret.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, customers.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, create.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, update.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, notAKey.StatusCode);
        Assert.Equal("requires_payment_method", (await fixture.Client.V1.SetupIntents.GetAsync(intent.Id, cancellationToken: ct)).Status);
        Assert.Equal("requires_payment_method", (await fixture.Client.V1.SetupIntents.GetAsync(other.Id, cancellationToken: ct)).Status);
    }

    [Fact]
    public async Task A_card_number_that_is_not_a_test_card_is_a_card_error_and_saves_nothing()
    {
        var (_, intent) = await NewIntentAsync();
        using var browser = new HttpClient { BaseAddress = fixture.Stripe.BaseUrl };

        var response = await browser.PostAsync($"/v1/setup_intents/{intent.Id}/confirm", Form(
            ("key", PublishableKey), ("client_secret", intent.ClientSecret), ("payment_method_data[type]", "card"),
            ("payment_method_data[card][number]", "1234123412341234"), ("payment_method_data[card][exp_month]", "8"),
            ("payment_method_data[card][exp_year]", "2034"), ("payment_method_data[card][cvc]", "123")), ct);

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        Assert.Contains("incorrect_number", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        // The page reads the error too: errors carry the CORS header as well.
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("requires_payment_method", (await fixture.Client.V1.SetupIntents.GetAsync(intent.Id, cancellationToken: ct)).Status);
    }

    private async Task<(Customer Customer, SetupIntent Intent)> NewIntentAsync()
    {
        var customer = await fixture.Client.V1.Customers.CreateAsync(new CustomerCreateOptions { Name = "Card form" }, cancellationToken: ct);
        var intent = await fixture.Client.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions
        {
            Customer = customer.Id,
            Usage = "off_session",
            AutomaticPaymentMethods = new SetupIntentAutomaticPaymentMethodsOptions { Enabled = true, AllowRedirects = "never" },
        }, cancellationToken: ct);
        return (customer, intent);
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
}
