using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.PaymentMethods;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Payments;

/// <summary>The card network: decides whether a charge on a payment method succeeds, and records the Charge.</summary>
internal sealed class PaymentProcessor(EmulatorState state, EventPublisher events)
{
    /// <summary>Why a charge on <paramref name="pm"/> would fail at <paramref name="now"/>, or null if it would succeed.</summary>
    public static CardFailure? FailureFor(PaymentMethod pm, long now) =>
        pm.ChargeFailure
        ?? pm.AttachFailure
        ?? (PaymentMethodService.IsExpired(pm.Card, now) ? CardFailure.Expired : null);

    /// <summary>Charges <paramref name="pm"/> for <paramref name="intent"/>'s amount; updates the intent; returns the failure if any.</summary>
    public CardFailure? Charge(PaymentIntent intent, PaymentMethod pm, long now, string description)
    {
        var failure = FailureFor(pm, now);
        var charge = state.Charges.Add(new Charge
        {
            Id = Ids.New("ch"),
            Amount = intent.Amount,
            Currency = intent.Currency,
            Customer = intent.Customer,
            Description = description,
            Created = now,
            Paid = failure is null,
            FailureCode = failure?.Code,
            FailureMessage = failure?.Message,
            BalanceTransaction = failure is null ? Ids.New("txn") : null,
            PaymentIntent = intent.Id,
            PaymentMethod = pm.Id,
            BillingDetails = pm.BillingDetails,
            Outcome = failure is null
                ? new ChargeOutcome { NetworkStatus = "approved_by_network", SellerMessage = "Payment complete.", Type = "authorized" }
                : new ChargeOutcome { NetworkStatus = "declined_by_network", Reason = failure.DeclineCode, SellerMessage = "The bank did not return any further details with this decline.", Type = "issuer_declined" },
            PaymentMethodDetails = new ChargePaymentMethodDetails
            {
                Card = new ChargeCardDetails
                {
                    Brand = pm.Card.Brand,
                    ExpMonth = pm.Card.ExpMonth,
                    ExpYear = pm.Card.ExpYear,
                    Fingerprint = pm.Card.Fingerprint,
                    Funding = pm.Card.Funding,
                    Last4 = pm.Card.Last4,
                    Network = pm.Card.Brand,
                },
            },
        });
        intent.PaymentMethod = pm.Id;
        intent.LatestCharge = charge.Id;
        if (failure is null)
        {
            intent.Status = "succeeded";
            intent.AmountReceived = intent.Amount;
            intent.LastPaymentError = null;
            events.Publish("charge.succeeded", charge);
            events.Publish("payment_intent.succeeded", intent);
        }
        else
        {
            intent.Status = "requires_payment_method";
            var error = Decline(failure);
            intent.LastPaymentError = error.ToErrorObject();
            intent.LastPaymentError["charge"] = charge.Id;
            intent.LastPaymentError["payment_method"] = events.Snapshot(pm);
            events.Publish("charge.failed", charge);
            events.Publish("payment_intent.payment_failed", intent);
        }
        return failure;
    }

    public PaymentIntent CreateIntent(long amount, string currency, string? customer, string description, long now)
    {
        var id = Ids.New("pi");
        var intent = state.PaymentIntents.Add(new PaymentIntent
        {
            Id = id,
            Amount = amount,
            Currency = currency,
            Customer = customer,
            Description = description,
            ClientSecret = $"{id}_secret_{Ids.Random(24)}",
            Created = now,
            Status = "requires_payment_method",
        });
        events.Publish("payment_intent.created", intent);
        return intent;
    }

    public Refund Refund(Charge charge, long amount, string? reason, long now)
    {
        if (!charge.Paid)
        {
            throw StripeApiException.InvalidState($"Charge {charge.Id} has not succeeded, so it cannot be refunded.", "charge_not_refundable");
        }
        if (amount <= 0 || amount > charge.Amount - charge.AmountRefunded)
        {
            throw StripeApiException.Invalid(
                $"Refund amount ({amount}) is greater than unrefunded amount on charge ({charge.Amount - charge.AmountRefunded}).", "amount", "amount_too_large");
        }
        var refund = state.Refunds.Add(new Refund
        {
            Id = Ids.New("re"),
            Amount = amount,
            Charge = charge.Id,
            Currency = charge.Currency,
            Customer = charge.Customer,
            PaymentIntent = charge.PaymentIntent,
            PaymentMethod = charge.PaymentMethod,
            Reason = reason,
            Created = now,
        });
        charge.AmountRefunded += amount;
        events.Publish("refund.created", refund);
        events.Publish("charge.refunded", charge);
        return refund;
    }

    public static StripeApiException Decline(CardFailure failure) =>
        StripeApiException.Card(failure.Message, failure.Code, failure.DeclineCode);
}
