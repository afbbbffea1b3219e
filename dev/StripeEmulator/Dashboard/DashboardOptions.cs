namespace Cic.StripeEmulator.Dashboard;

/// <summary>
/// What finance sets up once in Stripe's dashboard, which the emulator creates for itself when it starts
/// (configuration section <c>Emulator:Dashboard</c>), so every way of running the platform meets the same Stripe.
/// </summary>
public sealed class DashboardOptions
{
    /// <summary>The meter counting calls (sum of <c>value</c> per <c>stripe_customer_id</c>), with its metered monthly price.</summary>
    public CallsCatalogOptions? Calls { get; set; }

    /// <summary>A test clock standing at the real time of start-up, until advanced; customers put on it live at its time.</summary>
    public TestClockOptions? TestClock { get; set; }
}

public sealed class CallsCatalogOptions
{
    public string MeterEventName { get; set; } = "calls_handled";

    public string PriceLookupKey { get; set; } = "cic_calls_handled";

    /// <summary>Minor units per call (the default contracted rate; per-customer rates are changed in Stripe).</summary>
    public long UnitAmount { get; set; } = 2;

    public string Currency { get; set; } = "usd";
}

public sealed class TestClockOptions
{
    /// <summary>A fixed id (<c>clock_…</c>), so whoever creates customers can be told it before the emulator starts.</summary>
    public string Id { get; set; } = "clock_cic_local";

    public string Name { get; set; } = "cic";
}
