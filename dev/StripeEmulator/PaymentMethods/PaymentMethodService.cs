using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Customers;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.PaymentMethods;

/// <summary>Finding, attaching and detaching payment methods, shared by the endpoints that take a payment method id.</summary>
internal sealed class PaymentMethodService(EmulatorState state, EventPublisher events)
{
    /// <summary>
    /// The payment method named by <paramref name="id"/>: a stored <c>pm_…</c>, or a test id such as <c>pm_card_visa</c>,
    /// which (like on Stripe) creates a new, unattached <c>pm_…</c> each time it is used.
    /// </summary>
    public PaymentMethod Resolve(string id, string param, string? customerId)
    {
        if (state.PaymentMethods.TryGet(id, out var existing))
        {
            return existing;
        }
        if (!TestCards.TryGet(id, out var card))
        {
            throw StripeApiException.MissingParam(state.PaymentMethods.ResourceName, id, param);
        }
        var now = DateTimeOffset.FromUnixTimeSeconds(state.NowForCustomer(customerId));
        return state.PaymentMethods.Add(new PaymentMethod
        {
            Id = Ids.New("pm"),
            Created = state.NowForCustomer(customerId),
            Card = new Card
            {
                Brand = card.Brand,
                Last4 = card.Last4,
                Funding = card.Funding,
                ExpMonth = 12,
                ExpYear = now.Year + 3,
                // The same test card always has the same fingerprint, as with real cards.
                Fingerprint = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)))[..16],
            },
            AttachFailure = card.AttachFailure,
            ChargeFailure = card.ChargeFailure,
        });
    }

    /// <summary>Attaches (idempotently) or throws the card error Stripe gives for cards that cannot be saved.</summary>
    public void Attach(PaymentMethod pm, Customer customer)
    {
        if (pm.Customer == customer.Id)
        {
            return;
        }
        if (pm.Detached)
        {
            throw StripeApiException.InvalidState(
                "This PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.",
                "payment_method_unexpected_state");
        }
        if (pm.Customer is not null)
        {
            throw StripeApiException.InvalidState("The payment method you provided has already been attached to a customer.", "payment_method_already_attached");
        }
        if (pm.AttachFailure is { } failure)
        {
            throw StripeApiException.Card(failure.Message, failure.Code, failure.DeclineCode)
                .Attach("payment_method", events.Snapshot(pm));
        }
        pm.Customer = customer.Id;
        events.Publish("payment_method.attached", pm);
    }

    public void Detach(PaymentMethod pm)
    {
        if (pm.Customer is null)
        {
            throw StripeApiException.InvalidState(
                "The payment method you provided is not attached to a customer so detachment is impossible.",
                "payment_method_unexpected_state");
        }
        var customer = state.Customers.Find(pm.Customer);
        pm.Customer = null;
        pm.Detached = true;
        if (customer?.InvoiceSettings.DefaultPaymentMethod == pm.Id)
        {
            var before = events.Snapshot(customer);
            customer.InvoiceSettings.DefaultPaymentMethod = null;
            events.PublishChanges("customer.updated", customer, before);
        }
        foreach (var subscription in state.Subscriptions.All.Where(s => s.DefaultPaymentMethod == pm.Id))
        {
            var before = events.Snapshot(subscription);
            subscription.DefaultPaymentMethod = null;
            events.PublishChanges("customer.subscription.updated", subscription, before);
        }
        events.Publish("payment_method.detached", pm);
    }

    /// <summary>A payment method attached to <paramref name="customer"/>, as Stripe requires for defaults.</summary>
    public PaymentMethod RequireAttached(string id, Customer customer, string param)
    {
        var pm = state.PaymentMethods.GetParam(id, param);
        return pm.Customer == customer.Id
            ? pm
            : throw StripeApiException.Invalid(
                $"The customer does not have a payment method with the ID {id}. The payment method must be attached to the customer.",
                param, "resource_missing");
    }

    public static bool IsExpired(Card card, long now)
    {
        var today = DateTimeOffset.FromUnixTimeSeconds(now);
        return card.ExpYear < today.Year || (card.ExpYear == today.Year && card.ExpMonth < today.Month);
    }
}
