using Stripe;
using Stripe.Billing;
using Stripe.TestHelpers;

namespace Cic.StripeEmulator.Tests;

/// <summary>
/// The platform's billing arrangement, built through Stripe.net as the Billing service will: a sum meter, a metered
/// monthly price on it, a customer on a test clock with a card saved by SetupIntent, and a subscription anchored on
/// the first of the next month.
/// </summary>
internal sealed class BillingSetup
{
    public static readonly DateTime ClockStart = new(2026, 11, 20, 12, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime NextMonth = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);

    private BillingSetup(StripeClient client) => Client = client;

    public StripeClient Client { get; }

    public Meter Meter { get; private set; } = null!;

    public Price Price { get; private set; } = null!;

    public TestClock Clock { get; private set; } = null!;

    public Customer Customer { get; private set; } = null!;

    public PaymentMethod Card { get; private set; } = null!;

    public Subscription Subscription { get; private set; } = null!;

    public static async Task<BillingSetup> CreateAsync(StripeClient client, string card = "pm_card_visa", long unitAmount = 3)
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = new BillingSetup(client);
        var eventName = $"calls_handled_{Guid.NewGuid():N}";
        setup.Meter = await client.V1.Billing.Meters.CreateAsync(new MeterCreateOptions
        {
            DisplayName = "Calls handled",
            EventName = eventName,
            DefaultAggregation = new MeterDefaultAggregationOptions { Formula = "sum" },
            CustomerMapping = new MeterCustomerMappingOptions { EventPayloadKey = "stripe_customer_id", Type = "by_id" },
            ValueSettings = new MeterValueSettingsOptions { EventPayloadKey = "value" },
        }, cancellationToken: ct);
        var product = await client.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Handled calls" }, cancellationToken: ct);
        setup.Price = await client.V1.Prices.CreateAsync(new PriceCreateOptions
        {
            Currency = "usd",
            Product = product.Id,
            UnitAmount = unitAmount,
            LookupKey = $"calls_{Guid.NewGuid():N}",
            Recurring = new PriceRecurringOptions { Interval = "month", UsageType = "metered", Meter = setup.Meter.Id },
        }, cancellationToken: ct);
        setup.Clock = await client.V1.TestHelpers.TestClocks.CreateAsync(new TestClockCreateOptions { FrozenTime = ClockStart, Name = "billing" }, cancellationToken: ct);
        setup.Customer = await client.V1.Customers.CreateAsync(new CustomerCreateOptions
        {
            Email = "billing@example.com",
            Metadata = new Dictionary<string, string> { ["cic_account_id"] = Guid.NewGuid().ToString() },
            TestClock = setup.Clock.Id,
        }, cancellationToken: ct);
        setup.Card = await setup.AddDefaultCardAsync(card);
        setup.Subscription = await client.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = setup.Customer.Id,
            Items = [new SubscriptionItemOptions { Price = setup.Price.Id }],
            BillingCycleAnchor = NextMonth,
            ProrationBehavior = "none",
            CollectionMethod = "charge_automatically",
        }, cancellationToken: ct);
        return setup;
    }

    /// <summary>Saves a card the way the portal does (a SetupIntent confirmed off-session) and makes it the default.</summary>
    public async Task<PaymentMethod> AddDefaultCardAsync(string testCard)
    {
        var ct = TestContext.Current.CancellationToken;
        var intent = await Client.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions
        {
            Customer = Customer.Id,
            Usage = "off_session",
            AutomaticPaymentMethods = new SetupIntentAutomaticPaymentMethodsOptions { Enabled = true, AllowRedirects = "never" },
        }, cancellationToken: ct);
        intent = await Client.V1.SetupIntents.ConfirmAsync(intent.Id, new SetupIntentConfirmOptions { PaymentMethod = testCard }, cancellationToken: ct);
        Customer = await Client.V1.Customers.UpdateAsync(Customer.Id, new CustomerUpdateOptions
        {
            InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = intent.PaymentMethodId },
        }, cancellationToken: ct);
        return await Client.V1.PaymentMethods.GetAsync(intent.PaymentMethodId, cancellationToken: ct);
    }

    public Task ReportUsageAsync(string identifier, long value, DateTime timestamp) =>
        Client.V1.Billing.MeterEvents.CreateAsync(new MeterEventCreateOptions
        {
            EventName = Meter.EventName,
            Identifier = identifier,
            Timestamp = timestamp,
            Payload = new Dictionary<string, string> { ["stripe_customer_id"] = Customer.Id, ["value"] = value.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        }, cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>Advances the clock and polls until it is ready again, as one must with Stripe's asynchronous test clocks.</summary>
    public async Task AdvanceAsync(DateTime to)
    {
        var ct = TestContext.Current.CancellationToken;
        Clock = await Client.V1.TestHelpers.TestClocks.AdvanceAsync(Clock.Id, new TestClockAdvanceOptions { FrozenTime = to }, cancellationToken: ct);
        Clock = await Eventually.GetAsync(async () =>
        {
            var clock = await Client.V1.TestHelpers.TestClocks.GetAsync(Clock.Id, cancellationToken: ct);
            return clock.Status == "ready" ? clock : null;
        }, "the test clock to be ready");
    }

    public async Task<Invoice> CycleInvoiceAsync()
    {
        var invoices = await Client.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = Subscription.Id }, cancellationToken: TestContext.Current.CancellationToken);
        return Assert.Single(invoices.Data, i => i.BillingReason == "subscription_cycle");
    }
}
