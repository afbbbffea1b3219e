using Cic.Testing;

namespace Cic.Billing.Tests;

public sealed class MeteredBillingFixture : UsagePushFixture
{
    protected override DateTime? ClockStart => new(2026, 11, 10, 12, 0, 0, DateTimeKind.Utc);
}

/// <summary>The seed's "How metered billing works": usage tallied by the platform is what Stripe invoices, once.</summary>
public sealed class MeteredBillingTests(MeteredBillingFixture billing) : IClassFixture<MeteredBillingFixture>
{
    private static readonly DateTimeOffset November = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Calls_tallied_over_a_cycle_are_what_the_cycle_invoice_bills_once()
    {
        var company = await billing.CompanyAsync("Metered Mining", since: November);
        var nine = new DateTimeOffset(2026, 11, 10, 9, 0, 0, TimeSpan.Zero);
        var ten = nine.AddHours(1);

        // 09:00: 5 calls, then late calls make it 8; the recount's message is delivered twice.
        await billing.TallyAsync(company, nine, 5, revision: 1);
        var recount = await billing.TallyAsync(company, nine, 8, revision: 2);
        await billing.PublishAsync(recount);
        // 10:00: the recount (12) arrives before the first tally (9), which then changes nothing.
        await billing.TallyAsync(company, ten, 12, revision: 2);
        await billing.TallyAsync(company, ten, 9, revision: 1);

        var settled = await billing.SettledAsync(company, "2026-11", 20);
        Assert.True(settled.Matches, string.Join("; ", settled.Flags.Select(f => f.Message)));
        Assert.Equal(20, settled.CallsPushed);
        Assert.Equal(20m, settled.CallsInStripe);
        var customer = settled.StripeCustomerId!;
        Assert.Equal(customer, Assert.Single(await billing.CustomersTaggedAsync(company)).Id);

        // Later in the month: more windows, each reported at its own hour.
        await billing.AdvanceClockAsync(new DateTimeOffset(2026, 11, 30, 23, 30, 0, TimeSpan.Zero));
        var lastHour = new DateTimeOffset(2026, 11, 30, 22, 0, 0, TimeSpan.Zero);
        await billing.TallyAsync(company, new DateTimeOffset(2026, 11, 20, 14, 0, 0, TimeSpan.Zero), 4, revision: 1);
        await billing.TallyAsync(company, lastHour, 6, revision: 1);
        await billing.SettledAsync(company, "2026-11", 30);

        // The period has ended and its invoice is a draft; late calls for the last hour arrive within the grace hour.
        await billing.AdvanceClockAsync(new DateTimeOffset(2026, 12, 1, 0, 30, 0, TimeSpan.Zero));
        await billing.TallyAsync(company, lastHour, 11, revision: 2);
        var final = await billing.SettledAsync(company, "2026-11", 35);
        Assert.True(final.Matches, string.Join("; ", final.Flags.Select(f => f.Message)));
        Assert.Equal(35m, await billing.MeterCallsAsync(customer, November, November.AddMonths(1)));

        await billing.AdvanceClockAsync(new DateTimeOffset(2026, 12, 1, 1, 30, 0, TimeSpan.Zero));
        var invoice = await billing.CycleInvoiceAsync(customer, November.AddMonths(1));
        var line = Assert.Single(invoice.Lines.Data);
        Assert.Equal(35L, line.Quantity);
        Assert.Equal(35 * BillingFixture.UnitAmount, invoice.Total);
        Assert.Equal("usd", invoice.Currency);
    }
}
