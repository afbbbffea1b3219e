using System.Net;
using Cic.Billing.Stripe;
using Microsoft.Extensions.Options;

namespace Cic.Billing.PaymentMethods;

/// <summary>
/// Development only (<c>Stripe:CardFormPage</c>, on in appsettings.Development.json, and never against real Stripe):
/// <c>GET /dev/card-form</c>, a small page that adds a card the way the portal does — it calls
/// <c>POST /billing-accounts/{id}/payment-methods/setup</c> with the user's token, then sends the card typed into
/// its form straight to the Stripe emulator, as Stripe.js does from the browser (publishable key + the
/// SetupIntent's client secret), and waits until Billing lists the card (Stripe's webhook told it). Real Stripe
/// takes card numbers only from Stripe.js's own fields, which load from js.stripe.com; the emulator takes them
/// from this page.
/// </summary>
public static class CardFormPage
{
    public const string Path = "/dev/card-form";

    public static IEndpointRouteBuilder MapCardFormPage(this IEndpointRouteBuilder app)
    {
        var configuration = app.ServiceProvider.GetRequiredService<IConfiguration>();
        var stripe = app.ServiceProvider.GetRequiredService<IOptions<StripeOptions>>().Value;
        if (!configuration.GetValue<bool>("Stripe:CardFormPage") || IsRealStripe(stripe.ApiBase))
        {
            return app;
        }

        app.MapGet(Path, () => TypedResults.Content(Page(stripe.ApiBase), "text/html; charset=utf-8"))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }

    private static bool IsRealStripe(string apiBase) =>
        Uri.TryCreate(apiBase, UriKind.Absolute, out var uri) && uri.Host.EndsWith("stripe.com", StringComparison.OrdinalIgnoreCase);

    private static string Page(string apiBase) => Html.Replace("{{STRIPE_API}}", WebUtility.HtmlEncode(apiBase.TrimEnd('/')), StringComparison.Ordinal);

    private const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Add a card (Development)</title>
          <style>
            body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; }
            label { display: block; margin: .6rem 0 .2rem; }
            input { width: 100%; padding: .4rem; box-sizing: border-box; }
            button { margin-top: 1rem; padding: .5rem 1rem; }
            #card { display: none; }
            #status { margin-top: 1rem; white-space: pre-wrap; }
          </style>
        </head>
        <body data-stripe-api="{{STRIPE_API}}">
          <h1>Add a card</h1>
          <p>Development only: the portal's card form against the Stripe emulator. Test cards: 4242 4242 4242 4242 (Visa),
             4000 0000 0000 0341 (saves, later charges fail), 4000 0000 0000 9995 (declined).</p>
          <form id="start">
            <label for="token">Bearer token (<code>./cic token customer &lt;user&gt;</code> or <code>./cic token staff</code>)</label>
            <input id="token" name="token" autocomplete="off" required>
            <label for="account">Billing account id</label>
            <input id="account" name="account" autocomplete="off" required>
            <button id="begin" type="submit">Add a card</button>
          </form>
          <form id="card">
            <label for="number">Card number</label>
            <input id="number" name="number" inputmode="numeric" autocomplete="cc-number" required>
            <label for="expiry">Expiry (MM/YY)</label>
            <input id="expiry" name="expiry" autocomplete="cc-exp" placeholder="MM/YY" required>
            <label for="cvc">CVC</label>
            <input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required>
            <button id="save" type="submit">Save card</button>
          </form>
          <div id="status" role="status"></div>
          <script>
            const stripeApi = document.body.dataset.stripeApi;
            const status = document.getElementById("status");
            let setup = null;
            const say = text => { status.textContent = text; };
            const api = (path, init = {}) => fetch(path, {
              ...init,
              headers: { ...(init.headers || {}), Authorization: "Bearer " + document.getElementById("token").value.trim() },
            });
            const account = () => document.getElementById("account").value.trim();

            document.getElementById("start").addEventListener("submit", async event => {
              event.preventDefault();
              const response = await api(`/billing-accounts/${account()}/payment-methods/setup`, { method: "POST" });
              if (!response.ok) { say(`Could not start: ${response.status} ${await response.text()}`); return; }
              setup = await response.json();
              document.getElementById("card").style.display = "block";
              say("Enter the card.");
            });

            document.getElementById("card").addEventListener("submit", async event => {
              event.preventDefault();
              const [month, year] = document.getElementById("expiry").value.split("/").map(part => part.trim());
              // What Stripe.js sends from the browser: the publishable key and the SetupIntent's client secret, never a secret key.
              const form = new URLSearchParams({
                key: setup.publishableKey,
                client_secret: setup.clientSecret,
                expected_payment_method_type: "card",
                use_stripe_sdk: "true",
                "payment_method_data[type]": "card",
                "payment_method_data[card][number]": document.getElementById("number").value,
                "payment_method_data[card][exp_month]": month || "",
                "payment_method_data[card][exp_year]": year || "",
                "payment_method_data[card][cvc]": document.getElementById("cvc").value,
              });
              let response, answer;
              try {
                response = await fetch(`${stripeApi}/v1/setup_intents/${setup.setupIntentId}/confirm`, { method: "POST", body: form });
                answer = await response.json();
              } catch (error) {
                say(`Could not reach Stripe at ${stripeApi}: ${error}`);
                return;
              }
              if (!response.ok) { say(`Declined: ${answer.error.message}`); return; }
              say("Confirmed with Stripe; waiting for Billing to list the card…");
              for (let attempt = 0; attempt < 60; attempt++) {
                const cards = await (await api(`/billing-accounts/${account()}/payment-methods`)).json();
                const card = cards.find(c => c.id === answer.payment_method);
                if (card) { say(`Card saved: ${card.brand} ending ${card.last4}, expires ${card.expMonth}/${card.expYear}.`); return; }
                await new Promise(resolve => setTimeout(resolve, 500));
              }
              say("Stripe saved the card, but Billing has not listed it yet: is the webhook reaching Billing?");
            });
          </script>
        </body>
        </html>
        """;
}
