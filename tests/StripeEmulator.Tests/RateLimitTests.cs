using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cic.StripeEmulator.Hosting;
using Microsoft.Extensions.Time.Testing;
using Stripe;

namespace Cic.StripeEmulator.Tests;

/// <summary>Stripe's rate limits, on an emulator of their own whose clock only moves when the test moves it.</summary>
public sealed class RateLimitTests
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Requests_past_the_limit_get_Stripes_429_until_the_next_second_refills_it()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using var stripe = await StripeEmulatorHost.StartAsync(new StripeEmulatorOptions { TimeProvider = time, RequestsPerSecond = 3 }, ct);
        var client = stripe.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            await client.V1.Customers.CreateAsync(new CustomerCreateOptions { Name = $"Limited {i}" }, cancellationToken: ct);
        }

        var limited = await Assert.ThrowsAsync<StripeException>(() => client.V1.Customers.ListAsync(cancellationToken: ct));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.HttpStatusCode);
        Assert.Equal("rate_limit", limited.StripeError.Code);
        Assert.Equal("global-rate", limited.StripeResponse.Headers.GetValues("Stripe-Rate-Limited-Reason").Single());

        // A third of a second refills one request, not more.
        time.Advance(TimeSpan.FromSeconds(0.34));
        await client.V1.Customers.ListAsync(cancellationToken: ct);
        await Assert.ThrowsAsync<StripeException>(() => client.V1.Customers.ListAsync(cancellationToken: ct));

        // A long pause saves up one second's worth, not a backlog.
        time.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 3; i++)
        {
            await client.V1.Customers.ListAsync(cancellationToken: ct);
        }

        await Assert.ThrowsAsync<StripeException>(() => client.V1.Customers.ListAsync(cancellationToken: ct));
        var counts = await RateLimitsAsync(stripe);
        Assert.Equal((7, 3), (counts.GetProperty("admitted").GetInt64(), counts.GetProperty("limited").GetInt64()));
    }

    [Fact]
    public async Task Meter_events_have_a_limit_of_their_own_and_limits_change_at_run_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using var stripe = await StripeEmulatorHost.StartAsync(new StripeEmulatorOptions { TimeProvider = time }, ct);
        var client = stripe.CreateClient();
        var meter = await client.V1.Billing.Meters.CreateAsync(new Stripe.Billing.MeterCreateOptions
        {
            DisplayName = "Calls", EventName = "limited_calls",
            DefaultAggregation = new Stripe.Billing.MeterDefaultAggregationOptions { Formula = "sum" },
            CustomerMapping = new Stripe.Billing.MeterCustomerMappingOptions { Type = "by_id", EventPayloadKey = "stripe_customer_id" },
        }, cancellationToken: ct);
        var customer = await client.V1.Customers.CreateAsync(new CustomerCreateOptions { Name = "Metered" }, cancellationToken: ct);

        await stripe.ControlAsync("/_emulator/rate-limits", [new("requests_per_second", "1"), new("meter_events_per_second", "2")], ct);
        Task Report(int n) => client.V1.Billing.MeterEvents.CreateAsync(new Stripe.Billing.MeterEventCreateOptions
        {
            EventName = meter.EventName, Identifier = $"limited-{n}", Timestamp = time.GetUtcNow().UtcDateTime,
            Payload = new Dictionary<string, string> { ["stripe_customer_id"] = customer.Id, ["value"] = "1" },
        }, cancellationToken: ct);

        await Report(1);
        await Report(2);
        var limited = await Assert.ThrowsAsync<StripeException>(() => Report(3));
        Assert.Equal("rate_limit", limited.StripeError.Code);
        // The meter events did not use up the one request a second everything else gets.
        await client.V1.Customers.GetAsync(customer.Id, cancellationToken: ct);
        await Assert.ThrowsAsync<StripeException>(() => client.V1.Customers.GetAsync(customer.Id, cancellationToken: ct));

        await stripe.ControlAsync("/_emulator/rate-limits", [new("requests_per_second", "0"), new("meter_events_per_second", "0")], ct);
        for (var i = 0; i < 10; i++)
        {
            await client.V1.Customers.GetAsync(customer.Id, cancellationToken: ct);
        }
    }

    private static async Task<JsonElement> RateLimitsAsync(StripeEmulatorHost stripe)
    {
        using var http = new HttpClient();
        return await http.GetFromJsonAsync<JsonElement>(new Uri(stripe.BaseUrl, "/_emulator/rate-limits"), TestContext.Current.CancellationToken);
    }
}
