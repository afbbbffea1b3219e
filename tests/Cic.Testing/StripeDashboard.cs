using Stripe;
using Stripe.Billing;
using Stripe.TestHelpers;

namespace Cic.Testing;

/// <summary>
/// What people do by hand in Stripe's dashboard that tests driving Stripe (or its emulator) need
/// too, through the official client: finance's one-time catalog set-up, and moving a test clock forward.
/// </summary>
public static class StripeDashboard
{
    /// <summary>
    /// What finance sets up once: a sum meter of calls (<c>stripe_customer_id</c>, <c>value</c>) and a
    /// metered monthly USD price on it with a lookup key, as <c>./cic up</c> does for the emulator.
    /// </summary>
    public static async Task<(Meter Meter, Price Price)> CreateCallsCatalogAsync(
        this StripeClient client, string meterEventName, string priceLookupKey, long unitAmount, CancellationToken cancellationToken = default)
    {
        var meter = await client.V1.Billing.Meters.CreateAsync(new MeterCreateOptions
        {
            DisplayName = "Calls handled",
            EventName = meterEventName,
            DefaultAggregation = new MeterDefaultAggregationOptions { Formula = "sum" },
            CustomerMapping = new MeterCustomerMappingOptions { EventPayloadKey = "stripe_customer_id", Type = "by_id" },
            ValueSettings = new MeterValueSettingsOptions { EventPayloadKey = "value" },
        }, cancellationToken: cancellationToken);
        var product = await client.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Calls handled" }, cancellationToken: cancellationToken);
        var price = await client.V1.Prices.CreateAsync(new PriceCreateOptions
        {
            Currency = "usd",
            Product = product.Id,
            UnitAmount = unitAmount,
            LookupKey = priceLookupKey,
            Recurring = new PriceRecurringOptions { Interval = "month", UsageType = "metered", Meter = meter.Id },
        }, cancellationToken: cancellationToken);
        return (meter, price);
    }

    /// <summary>
    /// Moves the clock to <paramref name="to"/> and waits until Stripe has run everything due by then
    /// (renewals, invoices, charges), as one must with Stripe's asynchronous test clocks: status <c>ready</c>.
    /// </summary>
    /// <returns>The clock, ready.</returns>
    public static async Task<TestClock> AdvanceTestClockAsync(
        this StripeClient client, string clockId, DateTimeOffset to, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await client.V1.TestHelpers.TestClocks.AdvanceAsync(clockId, new TestClockAdvanceOptions { FrozenTime = to.UtcDateTime }, cancellationToken: cancellationToken);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var clock = await client.V1.TestHelpers.TestClocks.GetAsync(clockId, cancellationToken: cancellationToken);
            if (clock.Status == "ready")
            {
                return clock;
            }

            if (clock.Status == "internal_failure" || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Test clock {clockId} is '{clock.Status}' {timeout.TotalSeconds:0}s after advancing to {to:O}.");
            }

            await Task.Delay(250, cancellationToken);
        }
    }
}
