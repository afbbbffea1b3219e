using Cic.StripeEmulator.Billing;
using Cic.StripeEmulator.CreditNotes;
using Cic.StripeEmulator.Customers;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.Invoices;
using Cic.StripeEmulator.PaymentMethods;
using Cic.StripeEmulator.Payments;
using Cic.StripeEmulator.Products;
using Cic.StripeEmulator.SetupIntents;
using Cic.StripeEmulator.Subscriptions;
using Cic.StripeEmulator.TestClocks;

namespace Cic.StripeEmulator.State;

/// <summary>
/// All of the emulator's data, in memory. One lock (<see cref="Gate"/>) guards everything: requests are tiny, so a
/// single lock keeps every multi-object change (a renewal touches subscription, invoice, payment, customer, events)
/// atomic without any reasoning about lock order.
/// </summary>
internal sealed class EmulatorState
{
    private readonly Dictionary<string, StripeObject> byId = new(StringComparer.Ordinal);
    private long sequence;

    public EmulatorState(TimeProvider time)
    {
        Time = time;
        Customers = new(this, "customer");
        PaymentMethods = new(this, "PaymentMethod");
        SetupIntents = new(this, "setupintent");
        Products = new(this, "product");
        Prices = new(this, "price");
        Meters = new(this, "billing.meter");
        Subscriptions = new(this, "subscription");
        SubscriptionItems = new(this, "subscription_item");
        Invoices = new(this, "invoice");
        InvoicePayments = new(this, "invoice_payment");
        PaymentIntents = new(this, "payment_intent");
        Charges = new(this, "charge");
        Refunds = new(this, "refund");
        CreditNotes = new(this, "credit_note");
        Events = new(this, "event");
        WebhookEndpoints = new(this, "webhook_endpoint");
        TestClocks = new(this, "test_helpers.test_clock");
    }

    public Lock Gate { get; } = new();

    public TimeProvider Time { get; }

    public Table<Customer> Customers { get; }

    public Table<PaymentMethod> PaymentMethods { get; }

    public Table<SetupIntent> SetupIntents { get; }

    public Table<Product> Products { get; }

    public Table<Price> Prices { get; }

    public Table<Meter> Meters { get; }

    public Table<Subscription> Subscriptions { get; }

    public Table<SubscriptionItem> SubscriptionItems { get; }

    public Table<Invoice> Invoices { get; }

    public Table<InvoicePayment> InvoicePayments { get; }

    public Table<PaymentIntent> PaymentIntents { get; }

    public Table<Charge> Charges { get; }

    public Table<Refund> Refunds { get; }

    public Table<CreditNote> CreditNotes { get; }

    public Table<StripeEvent> Events { get; }

    public Table<WebhookEndpoint> WebhookEndpoints { get; }

    public Table<TestClock> TestClocks { get; }

    /// <summary>Meter events by identifier, across all meters: Stripe enforces identifier uniqueness per account.</summary>
    public Dictionary<string, MeterEvent> MeterEventsByIdentifier { get; } = new(StringComparer.Ordinal);

    /// <summary>The API request being handled (for <c>event.request</c>); null for clock- and scheduler-driven work.</summary>
    public EventRequest? CurrentRequest { get; set; }

    public long NextSequence() => ++sequence;

    public void Index(StripeObject row) => byId[row.Id] = row;

    public void Unindex(string id) => byId.Remove(id);

    /// <summary>Any stored object by id, whatever its type; used by <c>expand</c>.</summary>
    public StripeObject? Find(string id) => byId.GetValueOrDefault(id);

    /// <summary>Wall-clock now in unix seconds: for objects outside test clocks, and for webhook signatures.</summary>
    public long RealNow => Time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>
    /// "Now" for an object: a test clock's frozen time if the object lives on one, otherwise real time.
    /// </summary>
    public long NowFor(string? testClockId) =>
        testClockId is not null && TestClocks.TryGet(testClockId, out var clock) ? clock.FrozenTime : RealNow;

    public long NowForCustomer(string? customerId) =>
        NowFor(customerId is not null && Customers.TryGet(customerId, out var customer) ? customer.TestClock : null);

    public void Clear()
    {
        byId.Clear();
        Customers.Clear();
        PaymentMethods.Clear();
        SetupIntents.Clear();
        Products.Clear();
        Prices.Clear();
        Meters.Clear();
        Subscriptions.Clear();
        SubscriptionItems.Clear();
        Invoices.Clear();
        InvoicePayments.Clear();
        PaymentIntents.Clear();
        Charges.Clear();
        Refunds.Clear();
        CreditNotes.Clear();
        Events.Clear();
        WebhookEndpoints.Clear();
        TestClocks.Clear();
        MeterEventsByIdentifier.Clear();
    }
}
