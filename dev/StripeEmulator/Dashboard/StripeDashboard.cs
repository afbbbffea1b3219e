using Stripe;
using Stripe.Billing;

namespace Cic.StripeEmulator.Dashboard;

/// <summary>What people do by hand in Stripe's dashboard, done through the official client.</summary>
public static class StripeDashboard
{
    /// <summary>
    /// Finance's one-time set-up: a sum meter of calls (<c>stripe_customer_id</c>, <c>value</c>) and a metered
    /// monthly price on it with a lookup key.
    /// </summary>
    public static async Task<(Meter Meter, Price Price)> CreateCallsCatalogAsync(
        this StripeClient client, CallsCatalogOptions catalog, CancellationToken cancellationToken = default)
    {
        var meter = await client.V1.Billing.Meters.CreateAsync(new MeterCreateOptions
        {
            DisplayName = "Calls handled",
            EventName = catalog.MeterEventName,
            DefaultAggregation = new MeterDefaultAggregationOptions { Formula = "sum" },
            CustomerMapping = new MeterCustomerMappingOptions { EventPayloadKey = "stripe_customer_id", Type = "by_id" },
            ValueSettings = new MeterValueSettingsOptions { EventPayloadKey = "value" },
        }, cancellationToken: cancellationToken);
        var product = await client.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Calls handled" }, cancellationToken: cancellationToken);
        var price = await client.V1.Prices.CreateAsync(new PriceCreateOptions
        {
            Currency = catalog.Currency,
            Product = product.Id,
            UnitAmount = catalog.UnitAmount,
            LookupKey = catalog.PriceLookupKey,
            Recurring = new PriceRecurringOptions { Interval = "month", UsageType = "metered", Meter = meter.Id },
        }, cancellationToken: cancellationToken);
        return (meter, price);
    }
}
