using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Customers;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.PaymentMethods;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.SetupIntents;

/// <summary>
/// <c>/v1/setup_intents</c>: how a card is saved for off-session use. Confirming with a test payment method either
/// succeeds (the card is attached to the customer) or fails with the 402 the card would give on Stripe.
/// </summary>
internal sealed class SetupIntentsEndpoints(EmulatorState state, EventPublisher events, PaymentMethodService paymentMethods) : IApiEndpoints
{
    public void Map(StripeRouter router)
    {
        router.Post("/v1/setup_intents", Create);
        router.Get("/v1/setup_intents/{id}", Retrieve);
        router.Post("/v1/setup_intents/{id}", Update);
        router.Post("/v1/setup_intents/{id}/confirm", Confirm);
        router.Post("/v1/setup_intents/{id}/cancel", Cancel);
        router.Get("/v1/setup_intents", List);
    }

    private object Create(ApiRequest req)
    {
        var p = req.Params;
        if (p.Has("payment_method_types"))
        {
            // Removed in 2026-09-30.endive; Stripe.net 53 no longer even has the option.
            throw StripeApiException.Invalid(
                "payment_method_types is no longer supported on this API version. Use allowed_payment_method_types or automatic_payment_methods instead.",
                "payment_method_types", "payment_method_types_no_longer_supported");
        }
        p.Accept("customer", "usage", "payment_method", "confirm", "metadata", "description", "automatic_payment_methods",
            "allowed_payment_method_types", "excluded_payment_method_types", "return_url", "use_stripe_sdk", "payment_method_options", "single_use", "mandate_data");
        if (p.Has("allowed_payment_method_types") && p.Has("automatic_payment_methods"))
        {
            throw StripeApiException.Invalid(
                "You cannot specify both allowed_payment_method_types and automatic_payment_methods.", "allowed_payment_method_types");
        }
        var allowed = p.StringList("allowed_payment_method_types");
        if (allowed is not null && !allowed.Contains("card"))
        {
            throw StripeApiException.Invalid("The emulator only supports the card payment method type.", "allowed_payment_method_types");
        }
        var customerId = p.String("customer");
        var customer = customerId is null ? null : CustomersEndpoints.Live(state, customerId, "customer");
        var id = Ids.New("seti");
        var intent = state.SetupIntents.Add(new SetupIntent
        {
            Id = id,
            ClientSecret = $"{id}_secret_{Ids.Random(32)}",
            Created = state.NowForCustomer(customerId),
            Customer = customer?.Id,
            Description = p.String("description"),
            Metadata = p.NewMap("metadata"),
            Usage = p.OneOf("usage", "off_session", "on_session") ?? "off_session",
            AllowedPaymentMethodTypes = allowed,
            AutomaticPaymentMethods = p.Has("automatic_payment_methods") || allowed is null
                ? new AutomaticPaymentMethods
                {
                    Enabled = p.Bool("automatic_payment_methods[enabled]") ?? true,
                    AllowRedirects = p.OneOf("automatic_payment_methods[allow_redirects]", "always", "never") ?? "always",
                }
                : null,
            Status = "requires_payment_method",
        });
        if (p.String("payment_method") is { } pmId)
        {
            intent.PaymentMethod = paymentMethods.Resolve(pmId, "payment_method", customerId).Id;
            intent.Status = "requires_confirmation";
        }
        events.Publish("setup_intent.created", intent);
        if (p.Bool("confirm") == true)
        {
            ConfirmIntent(intent, p);
        }
        return intent;
    }

    private object Update(ApiRequest req)
    {
        var intent = state.SetupIntents.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("customer", "payment_method", "metadata", "description");
        RequireModifiable(intent);
        if (p.String("customer") is { } customerId)
        {
            intent.Customer = CustomersEndpoints.Live(state, customerId, "customer").Id;
        }
        if (p.String("payment_method") is { } pmId)
        {
            intent.PaymentMethod = paymentMethods.Resolve(pmId, "payment_method", intent.Customer).Id;
            intent.Status = "requires_confirmation";
        }
        if (p.Has("description"))
        {
            intent.Description = p.String("description");
        }
        p.ApplyMap("metadata", intent.Metadata);
        return intent;
    }

    private object Retrieve(ApiRequest req)
    {
        var intent = state.SetupIntents.Get(req.Route("id"));
        RequireClientSecret(req, intent);
        return intent;
    }

    private object Confirm(ApiRequest req)
    {
        var intent = state.SetupIntents.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("payment_method", "payment_method_data", "expected_payment_method_type", "return_url", "use_stripe_sdk", "mandate_data",
            "payment_method_options", "client_secret");
        RequireClientSecret(req, intent);
        if (p.Has("payment_method_data"))
        {
            RequireModifiable(intent);
            intent.PaymentMethod = CardFromForm(p, intent.Customer).Id;
        }
        ConfirmIntent(intent, p);
        return intent;
    }

    /// <summary>With a publishable key, only the SetupIntent whose client secret is given, as on Stripe.</summary>
    private static void RequireClientSecret(ApiRequest req, SetupIntent intent)
    {
        if (!req.Publishable)
        {
            return;
        }
        var secret = req.Params.String("client_secret");
        if (secret is null)
        {
            throw StripeApiException.Invalid("You must provide a client_secret when using a publishable key.", "client_secret");
        }
        if (!string.Equals(secret, intent.ClientSecret, StringComparison.Ordinal))
        {
            throw StripeApiException.Invalid(
                "The client_secret provided does not match the client_secret associated with the SetupIntent.", "client_secret", "setup_intent_invalid_parameter");
        }
    }

    /// <summary>
    /// The card the form sent (<c>payment_method_data[card][number|exp_month|exp_year|cvc]</c>), as a new payment method
    /// that behaves as the test card of that number does; any other number is refused as Stripe refuses it in test mode.
    /// </summary>
    private PaymentMethod CardFromForm(ApiParams p, string? customerId)
    {
        if (p.String("payment_method_data[type]") is not "card")
        {
            throw StripeApiException.Invalid("The emulator only supports the card payment method type.", "payment_method_data[type]");
        }
        var number = p.String("payment_method_data[card][number]") ?? "";
        if (!TestCards.TryGetByNumber(number, out var testCard))
        {
            throw StripeApiException.Card("Your card number is incorrect.", "incorrect_number", null, "payment_method_data[card][number]");
        }
        var month = p.Long("payment_method_data[card][exp_month]");
        var year = p.Long("payment_method_data[card][exp_year]");
        if (month is not (>= 1 and <= 12))
        {
            throw StripeApiException.Card("Your card's expiration month is invalid.", "invalid_expiry_month", null, "payment_method_data[card][exp_month]");
        }
        if (year is null)
        {
            throw StripeApiException.Card("Your card's expiration year is invalid.", "invalid_expiry_year", null, "payment_method_data[card][exp_year]");
        }
        if (p.String("payment_method_data[card][cvc]") is not { Length: 3 or 4 } cvc || !cvc.All(char.IsAsciiDigit))
        {
            throw StripeApiException.Card("Your card's security code is invalid.", "invalid_cvc", null, "payment_method_data[card][cvc]");
        }
        var pm = paymentMethods.Resolve(testCard, "payment_method_data[card][number]", customerId);
        pm.Card.ExpMonth = month.Value;
        pm.Card.ExpYear = year.Value < 100 ? 2000 + year.Value : year.Value;
        return pm;
    }

    private void ConfirmIntent(SetupIntent intent, ApiParams p)
    {
        RequireModifiable(intent);
        if (p.String("payment_method") is { } pmId)
        {
            intent.PaymentMethod = paymentMethods.Resolve(pmId, "payment_method", intent.Customer).Id;
        }
        if (intent.PaymentMethod is null)
        {
            throw StripeApiException.InvalidState(
                "You cannot confirm this SetupIntent because it's missing a payment method. Update the SetupIntent with a payment method and then confirm it again.",
                "setup_intent_unexpected_state");
        }
        if (intent.AutomaticPaymentMethods is { AllowRedirects: "always" } && p.String("return_url") is null)
        {
            throw StripeApiException.Invalid(
                "A return_url must be specified because this SetupIntent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect. To confirm without a return_url, set automatic_payment_methods[allow_redirects]=never.",
                "return_url");
        }

        var pm = state.PaymentMethods.Get(intent.PaymentMethod);
        var failure = pm.AttachFailure ?? (PaymentMethodService.IsExpired(pm.Card, state.NowForCustomer(intent.Customer)) ? CardFailure.Expired : null);
        if (failure is not null)
        {
            intent.Status = "requires_payment_method";
            var error = StripeApiException.Card(failure.Message, failure.Code, failure.DeclineCode);
            intent.LastSetupError = error.ToErrorObject();
            intent.LastSetupError["payment_method"] = events.Snapshot(pm);
            intent.PaymentMethod = null;
            events.Publish("setup_intent.setup_failed", intent);
            throw error.Attach("setup_intent", events.Snapshot(intent)).Attach("payment_method", events.Snapshot(pm));
        }

        if (intent.Customer is not null)
        {
            paymentMethods.Attach(pm, state.Customers.Get(intent.Customer));
        }
        intent.LastSetupError = null;
        intent.Status = "succeeded";
        events.Publish("setup_intent.succeeded", intent);
    }

    private object Cancel(ApiRequest req)
    {
        var intent = state.SetupIntents.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("cancellation_reason");
        RequireModifiable(intent);
        intent.CancellationReason = p.OneOf("cancellation_reason", "abandoned", "requested_by_customer", "duplicate");
        intent.Status = "canceled";
        events.Publish("setup_intent.canceled", intent);
        return intent;
    }

    private object List(ApiRequest req)
    {
        var p = req.Params;
        var customer = p.String("customer");
        var pm = p.String("payment_method");
        var created = p.Range("created");
        var rows = state.SetupIntents.All.Where(i =>
            (customer is null || i.Customer == customer) && (pm is null || i.PaymentMethod == pm) && created(i.Created));
        return Pagination.Page(rows, p, "/v1/setup_intents");
    }

    private static void RequireModifiable(SetupIntent intent)
    {
        if (intent.Status is "succeeded" or "canceled")
        {
            throw StripeApiException.InvalidState(
                $"This SetupIntent has a status of {intent.Status} and can no longer be modified or confirmed.",
                "setup_intent_unexpected_state");
        }
    }
}
