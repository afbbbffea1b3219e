using System.Globalization;
using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Billing;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.Hosting;
using Cic.StripeEmulator.PaymentMethods;
using Cic.StripeEmulator.Payments;
using Cic.StripeEmulator.Products;
using Cic.StripeEmulator.State;
using Cic.StripeEmulator.Subscriptions;

namespace Cic.StripeEmulator.Invoices;

/// <summary>
/// The invoice lifecycle: draft → open (finalize) → paid | uncollectible | void, payment attempts with the retry
/// schedule, and what a failed or successful payment does to the subscription and the customer.
/// All methods run under the state lock.
/// </summary>
internal sealed class InvoiceService(
    EmulatorState state,
    EventPublisher events,
    PaymentProcessor processor,
    StripeEmulatorOptions options)
{
    private const long Day = 24 * 3600;

    public Invoice CreateForSubscription(Subscription subscription, string billingReason, long periodStart, long periodEnd, long now)
    {
        var invoice = state.Invoices.Add(NewForSubscription(subscription, Ids.New("in"), billingReason, periodStart, periodEnd, now));
        subscription.LatestInvoice = invoice.Id;
        return invoice;
    }

    /// <summary>
    /// What <c>POST /v1/invoices/create_preview</c> answers: the invoice as it would be issued, never stored, with an
    /// <c>upcoming_in_</c> id and the customer's credit balance applied as finalization would apply it.
    /// </summary>
    public Invoice NewPreview(Subscription subscription, long periodStart, long periodEnd) =>
        NewForSubscription(subscription, Ids.New("upcoming_in"), "upcoming", periodStart, periodEnd, created: periodEnd);

    /// <summary>Takes a preview's customer credit balance into account without touching the customer.</summary>
    public void ApplyBalancePreview(Invoice preview)
    {
        var balance = state.Customers.Get(preview.Customer).Balance;
        var applied = balance < 0 ? Math.Min(-balance, preview.Total) : 0;
        preview.StartingBalance = balance;
        preview.EndingBalance = balance + applied;
        preview.AmountDue = preview.Total - applied;
    }

    private Invoice NewForSubscription(Subscription subscription, string id, string billingReason, long periodStart, long periodEnd, long created)
    {
        var customer = state.Customers.Get(subscription.Customer);
        return new Invoice
        {
            Id = id,
            Customer = customer.Id,
            CustomerEmail = customer.Email,
            CustomerName = customer.Name,
            CustomerPhone = customer.Phone,
            Currency = subscription.Currency,
            BillingReason = billingReason,
            CollectionMethod = subscription.CollectionMethod,
            Created = created,
            PeriodStart = periodStart,
            PeriodEnd = periodEnd,
            Status = "draft",
            AutoAdvance = true,
            FinalizeAt = created + (long)options.FinalizationGracePeriod.TotalSeconds,
            TestClock = subscription.TestClock,
            Parent = new InvoiceParent
            {
                SubscriptionDetails = new InvoiceSubscriptionDetails
                {
                    Subscription = subscription.Id,
                    Metadata = new Dictionary<string, string>(subscription.Metadata, StringComparer.Ordinal),
                },
            },
        };
    }

    /// <summary>A line billing the usage a metered item's meter recorded for the customer in [start, end).</summary>
    public void AddUsageLine(Invoice invoice, SubscriptionItem item, long start, long end)
    {
        var line = NewLine(invoice, item, item.Price, start, end, quantity: 0, proration: false);
        invoice.LineList.Add(line);
        RefreshUsageLine(invoice, line);
    }

    /// <summary>A line charging a licensed item's quantity for [start, end), optionally prorated by <paramref name="fraction"/>.</summary>
    public void AddLicensedLine(Invoice invoice, SubscriptionItem item, long start, long end, decimal fraction = 1m)
    {
        var quantity = item.Quantity ?? 1;
        var line = NewLine(invoice, item, item.Price, start, end, quantity, proration: fraction != 1m);
        line.Amount = RoundMinor(quantity * item.Price.UnitAmountExact * fraction);
        line.Description = Describe(quantity, item.Price);
        invoice.LineList.Add(line);
        invoice.AmountDue = invoice.Total;
    }

    /// <summary>Re-reads metered usage: Stripe prices usage from the meter's aggregate when the invoice is finalized.</summary>
    public void RefreshUsage(Invoice invoice)
    {
        foreach (var line in invoice.LineList.Where(l => l.MeterId is not null))
        {
            RefreshUsageLine(invoice, line);
        }
        invoice.AmountDue = invoice.Total;
    }

    public void Finalize(Invoice invoice, long now)
    {
        if (invoice.Status != "draft")
        {
            throw StripeApiException.InvalidState($"This invoice is already finalized, you can't re-finalize a non-draft invoice.", "invoice_not_editable");
        }
        RefreshUsage(invoice);
        var customer = state.Customers.Get(invoice.Customer);

        // A credit balance (negative) pays first; what it covers is taken off the balance.
        invoice.StartingBalance = customer.Balance;
        var applied = customer.Balance < 0 ? Math.Min(-customer.Balance, invoice.Total) : 0;
        if (applied > 0)
        {
            var before = events.Snapshot(customer);
            customer.Balance += applied;
            events.PublishChanges("customer.updated", customer, before);
        }
        invoice.EndingBalance = customer.Balance;
        invoice.AmountDue = invoice.Total - applied;

        invoice.Number = $"{customer.InvoicePrefix}-{customer.NextInvoiceSequence++.ToString("D4", CultureInfo.InvariantCulture)}";
        invoice.Status = "open";
        invoice.StatusTransitions.FinalizedAt = now;
        invoice.EffectiveAt = now;
        if (invoice.CollectionMethod == "send_invoice")
        {
            var subscription = state.Subscriptions.Find(invoice.SubscriptionId);
            invoice.DueDate = now + ((subscription?.DaysUntilDue ?? 30) * Day);
        }
        events.Publish("invoice.finalized", invoice);

        if (invoice.AmountDue == 0)
        {
            // Nothing to collect: Stripe marks zero-amount invoices paid right away.
            MarkPaid(invoice, now);
        }
    }

    /// <summary>
    /// One attempt to collect an open invoice. <paramref name="automatic"/> = a scheduled attempt (finalization or
    /// Smart-Retries); manual attempts (<c>invoices.pay</c>) do not advance the retry schedule.
    /// Returns the decline, if any.
    /// </summary>
    public CardFailure? Attempt(Invoice invoice, PaymentMethod? explicitMethod, bool automatic, long now)
    {
        if (invoice.Status is not ("open" or "uncollectible"))
        {
            throw StripeApiException.InvalidState($"Invoice is already {invoice.Status}.", "invoice_not_open");
        }
        if (invoice.AmountRemaining == 0)
        {
            MarkPaid(invoice, now);
            return null;
        }
        var isFirstAttempt = invoice.AttemptCount == 0;
        if (automatic || isFirstAttempt)
        {
            invoice.AttemptCount++;
        }
        invoice.Attempted = true;

        var pm = explicitMethod ?? DefaultPaymentMethod(invoice);
        var intent = state.PaymentIntents.Find(invoice.PaymentIntentId)
            ?? processor.CreateIntent(invoice.AmountRemaining, invoice.Currency, invoice.Customer, $"Payment for Invoice {invoice.Number}", now);
        if (invoice.PaymentIntentId is null)
        {
            invoice.PaymentIntentId = intent.Id;
            invoice.Payments.Add(state.InvoicePayments.Add(new InvoicePayment
            {
                Id = Ids.New("inpay"),
                AmountRequested = intent.Amount,
                Currency = invoice.Currency,
                Invoice = invoice.Id,
                Created = now,
                Payment = new InvoicePaymentReference { PaymentIntent = intent.Id },
                Status = "open",
            }));
        }

        var failure = pm is null
            ? new CardFailure("invoice_no_customer_payment_method", "no_payment_method", "The customer has no default payment method to charge.")
            : processor.Charge(intent, pm, now, $"Payment for Invoice {invoice.Number}");
        if (failure is null)
        {
            MarkPaid(invoice, now);
            return null;
        }

        invoice.FirstFailureAt ??= now;
        if (automatic || isFirstAttempt)
        {
            invoice.NextPaymentAttempt = NextRetry(invoice);
        }
        events.Publish("invoice.payment_failed", invoice);
        OnPaymentFailed(invoice, isFinal: automatic && invoice.NextPaymentAttempt is null);
        return failure;
    }

    public void MarkPaid(Invoice invoice, long now)
    {
        var before = events.Snapshot(invoice);
        invoice.AmountPaid = invoice.AmountDue;
        invoice.Status = "paid";
        invoice.StatusDetails = null;
        invoice.StatusTransitions.PaidAt = now;
        invoice.NextPaymentAttempt = null;
        foreach (var payment in invoice.Payments.Where(p => p.Status == "open"))
        {
            payment.Status = "paid";
            payment.AmountPaid = payment.AmountRequested;
            payment.StatusTransitions.PaidAt = now;
            events.Publish("invoice_payment.paid", payment);
        }
        events.PublishChanges("invoice.updated", invoice, before);
        events.Publish("invoice.paid", invoice);
        if (invoice.AmountPaid > 0)
        {
            events.Publish("invoice.payment_succeeded", invoice);
        }

        var customer = state.Customers.Get(invoice.Customer);
        if (customer.Delinquent && !state.Invoices.All.Any(i => i.Customer == customer.Id && i.Status == "open" && i.Attempted))
        {
            var customerBefore = events.Snapshot(customer);
            customer.Delinquent = false;
            events.PublishChanges("customer.updated", customer, customerBefore);
        }
        if (state.Subscriptions.Find(invoice.SubscriptionId) is { Status: "past_due" or "unpaid" or "incomplete" } subscription)
        {
            SetSubscriptionStatus(subscription, "active");
        }
    }

    public void Void(Invoice invoice, long now)
    {
        if (invoice.Status is not ("open" or "uncollectible"))
        {
            throw StripeApiException.InvalidState($"You can only void open or uncollectible invoices; this one is {invoice.Status}.", "invoice_not_open");
        }
        invoice.Status = "void";
        invoice.StatusTransitions.VoidedAt = now;
        invoice.NextPaymentAttempt = null;
        foreach (var payment in invoice.Payments.Where(p => p.Status == "open"))
        {
            payment.Status = "canceled";
            payment.StatusTransitions.CanceledAt = now;
        }
        if (state.PaymentIntents.Find(invoice.PaymentIntentId) is { Status: not "succeeded" } intent)
        {
            intent.Status = "canceled";
        }
        events.Publish("invoice.voided", invoice);
    }

    public void MarkUncollectible(Invoice invoice, string reason, long now)
    {
        if (invoice.Status != "open")
        {
            throw StripeApiException.InvalidState($"You can only mark open invoices uncollectible; this one is {invoice.Status}.", "invoice_not_open");
        }
        invoice.Status = "uncollectible";
        invoice.StatusDetails = new InvoiceStatusDetails { Uncollectible = new InvoiceUncollectibleDetails { Reason = reason } };
        invoice.StatusTransitions.MarkedUncollectibleAt = now;
        invoice.NextPaymentAttempt = null;
        events.Publish("invoice.marked_uncollectible", invoice);
    }

    /// <summary>The card Stripe charges: the invoice's, then the subscription's, then the customer's default.</summary>
    public PaymentMethod? DefaultPaymentMethod(Invoice invoice)
    {
        var id = invoice.DefaultPaymentMethod
            ?? state.Subscriptions.Find(invoice.SubscriptionId)?.DefaultPaymentMethod
            ?? state.Customers.Find(invoice.Customer)?.InvoiceSettings.DefaultPaymentMethod;
        return state.PaymentMethods.Find(id);
    }

    public void SetSubscriptionStatus(Subscription subscription, string status)
    {
        if (subscription.Status == status)
        {
            return;
        }
        var before = events.Snapshot(subscription);
        subscription.Status = status;
        events.PublishChanges("customer.subscription.updated", subscription, before);
    }

    public static long RoundMinor(decimal amount) => (long)decimal.Round(amount, 0, MidpointRounding.AwayFromZero);

    private long? NextRetry(Invoice invoice)
    {
        // attempt_count counts the first attempt too, so retry k (1-based) follows attempt k.
        var retryIndex = (int)invoice.AttemptCount - 1;
        if (invoice.CollectionMethod != "charge_automatically" || retryIndex >= options.PaymentRetryDays.Count)
        {
            return null;
        }
        return invoice.FirstFailureAt!.Value + (long)(options.PaymentRetryDays[retryIndex] * Day);
    }

    private void OnPaymentFailed(Invoice invoice, bool isFinal)
    {
        var customer = state.Customers.Get(invoice.Customer);
        if (!customer.Delinquent)
        {
            var before = events.Snapshot(customer);
            customer.Delinquent = true;
            events.PublishChanges("customer.updated", customer, before);
        }

        var subscription = state.Subscriptions.Find(invoice.SubscriptionId);
        if (subscription is not null)
        {
            if (invoice.BillingReason == "subscription_create" && subscription.Status is "incomplete" or "active")
            {
                SetSubscriptionStatus(subscription, "incomplete");
            }
            else if (subscription.Status == "active")
            {
                SetSubscriptionStatus(subscription, "past_due");
            }
        }
        if (!isFinal)
        {
            return;
        }

        // The retry schedule is exhausted: apply the configured "manage failed payments" settings.
        if (options.InvoiceAfterFinalRetry == "uncollectible")
        {
            MarkUncollectible(invoice, "max_payment_attempts", invoice.FirstFailureAt ?? invoice.Created);
        }
        if (subscription is { IsLive: true })
        {
            switch (options.SubscriptionAfterFinalRetry)
            {
                case "canceled":
                    subscription.Status = "canceled";
                    subscription.CanceledAt = subscription.EndedAt = state.NowFor(subscription.TestClock);
                    subscription.CancellationDetails.Reason = "payment_failed";
                    events.Publish("customer.subscription.deleted", subscription);
                    break;
                case "unpaid":
                    SetSubscriptionStatus(subscription, "unpaid");
                    break;
            }
        }
    }

    private InvoiceLineItem NewLine(Invoice invoice, SubscriptionItem item, Price price, long start, long end, decimal quantity, bool proration) =>
        new()
        {
            Id = Ids.New("il"),
            Invoice = invoice.Id,
            Currency = price.Currency,
            Description = string.Empty,
            QuantityExact = quantity,
            MeterId = price.IsMetered ? price.Recurring!.Meter : null,
            Period = new LinePeriod { Start = start, End = end },
            Parent = new LineParent
            {
                SubscriptionItemDetails = new LineSubscriptionItemDetails
                {
                    Subscription = item.Subscription,
                    SubscriptionItem = item.Id,
                    Proration = proration,
                },
            },
            Pricing = new LinePricing
            {
                PriceDetails = new LinePriceDetails { Price = price.Id, Product = price.Product },
                UnitAmountDecimal = price.UnitAmountDecimal,
            },
        };

    private void RefreshUsageLine(Invoice invoice, InvoiceLineItem line)
    {
        var meter = state.Meters.Get(line.MeterId!);
        var price = state.Prices.Get(line.Pricing.PriceDetails.Price);
        line.QuantityExact = MeterUsage.Aggregate(meter, invoice.Customer, line.Period.Start, line.Period.End);
        line.Amount = RoundMinor(line.QuantityExact * price.UnitAmountExact);
        line.Description = Describe(line.QuantityExact, price);
        invoice.AmountDue = invoice.Total;
    }

    private string Describe(decimal quantity, Price price)
    {
        var product = state.Products.Find(price.Product)?.Name ?? price.Product;
        var unit = price.UnitAmountExact / 100m;
        var amount = price.Currency == "usd"
            ? "$" + unit.ToString("0.00########", CultureInfo.InvariantCulture)
            : $"{unit.ToString("0.00########", CultureInfo.InvariantCulture)} {price.Currency.ToUpperInvariant()}";
        var interval = price.Recurring?.Interval ?? "one time";
        return $"{quantity.ToString("#,0.########", CultureInfo.InvariantCulture)} × {product} (at {amount} / {interval})";
    }
}
