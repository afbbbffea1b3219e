using System.Net;
using System.Net.Http.Headers;
using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Hosting;
using Stripe;

namespace Cic.StripeEmulator.Tests;

/// <summary>How the emulator handles requests, as Stripe does: auth, errors, pagination, expand, idempotency, faults.</summary>
public sealed class RequestHandlingTests(EmulatorFixture fixture)
{
    private readonly StripeClient client = fixture.Client;
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_wrong_key_is_a_401_and_a_missing_object_a_404_resource_missing()
    {
        var unauthorized = await Assert.ThrowsAsync<StripeException>(() => fixture.Stripe.CreateClient("pk_test_nope").V1.Customers.ListAsync(cancellationToken: ct));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.HttpStatusCode);

        var missing = await Assert.ThrowsAsync<StripeException>(() => client.V1.Customers.GetAsync("cus_missing", cancellationToken: ct));
        Assert.Equal(HttpStatusCode.NotFound, missing.HttpStatusCode);
        Assert.Equal("resource_missing", missing.StripeError.Code);
        Assert.StartsWith("req_", missing.StripeResponse.RequestId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endive_rejects_payment_method_types_on_SetupIntents()
    {
        var options = new SetupIntentCreateOptions();
        options.AddExtraParam("payment_method_types[0]", "card");

        var error = await Assert.ThrowsAsync<StripeException>(() => client.V1.SetupIntents.CreateAsync(options, cancellationToken: ct));

        Assert.Equal("payment_method_types_no_longer_supported", error.StripeError.Code);
    }

    [Fact]
    public async Task A_card_declined_at_setup_is_a_402_with_the_setup_intent()
    {
        var customer = await client.V1.Customers.CreateAsync(new CustomerCreateOptions(), cancellationToken: ct);
        var error = await Assert.ThrowsAsync<StripeException>(() => client.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions
        {
            Customer = customer.Id,
            PaymentMethod = "pm_card_chargeDeclinedExpiredCard",
            Confirm = true,
            AutomaticPaymentMethods = new SetupIntentAutomaticPaymentMethodsOptions { Enabled = true, AllowRedirects = "never" },
        }, cancellationToken: ct));

        Assert.Equal(HttpStatusCode.PaymentRequired, error.HttpStatusCode);
        Assert.Equal("expired_card", error.StripeError.Code);
        Assert.Equal("requires_payment_method", error.StripeError.SetupIntent.Status);
    }

    [Fact]
    public async Task Lists_page_newest_first_with_cursors_and_expand_data()
    {
        var email = $"{Guid.NewGuid():N}@example.com";
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await client.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = email }, cancellationToken: ct)).Id);
        }
        created.Reverse();

        var first = await client.V1.Customers.ListAsync(new CustomerListOptions { Email = email, Limit = 2 }, cancellationToken: ct);
        var second = await client.V1.Customers.ListAsync(new CustomerListOptions { Email = email, Limit = 2, StartingAfter = first.Data[^1].Id }, cancellationToken: ct);
        var back = await client.V1.Customers.ListAsync(new CustomerListOptions { Email = email, Limit = 2, EndingBefore = second.Data[0].Id }, cancellationToken: ct);
        var all = new List<string>();
        await foreach (var customer in client.V1.Customers.ListAutoPagingAsync(new CustomerListOptions { Email = email, Limit = 2 }, cancellationToken: ct))
        {
            all.Add(customer.Id);
        }

        Assert.Equal(created[..2], first.Data.Select(c => c.Id));
        Assert.True(first.HasMore);
        Assert.Equal(created[2..4], second.Data.Select(c => c.Id));
        Assert.Equal(created[..2], back.Data.Select(c => c.Id));
        Assert.Equal(created, all);
    }

    [Fact]
    public async Task Metadata_is_set_and_unset_with_bracket_notation_and_found_by_search()
    {
        var account = Guid.NewGuid().ToString();
        var customer = await client.V1.Customers.CreateAsync(new CustomerCreateOptions
        {
            Metadata = new Dictionary<string, string> { ["cic_account_id"] = account, ["0"] = "zero", ["temp"] = "x" },
        }, cancellationToken: ct);
        customer = await client.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions { Metadata = new Dictionary<string, string> { ["temp"] = null! } }, cancellationToken: ct);

        Assert.Equal(new Dictionary<string, string> { ["cic_account_id"] = account, ["0"] = "zero" }, customer.Metadata);
        var found = await client.V1.Customers.SearchAsync(new CustomerSearchOptions { Query = $"metadata['cic_account_id']:'{account}'" }, cancellationToken: ct);
        Assert.Equal(customer.Id, Assert.Single(found.Data).Id);
    }

    [Fact]
    public async Task An_idempotency_key_replays_the_first_response_and_rejects_other_parameters()
    {
        var key = Guid.NewGuid().ToString();
        var options = new RequestOptions { IdempotencyKey = key };

        var first = await client.V1.Customers.CreateAsync(new CustomerCreateOptions { Name = "Acme" }, options, ct);
        var replay = await client.V1.Customers.CreateAsync(new CustomerCreateOptions { Name = "Acme" }, options, ct);
        var mismatch = await Assert.ThrowsAsync<StripeException>(() => client.V1.Customers.CreateAsync(new CustomerCreateOptions { Name = "Other" }, options, ct));

        Assert.Equal(first.Id, replay.Id);
        Assert.Equal("true", replay.StripeResponse.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.HttpStatusCode);
        Assert.Equal("idempotency_error", mismatch.StripeError.Type);
    }

    [Fact]
    public async Task Concurrent_duplicates_get_409_and_concurrent_meter_events_for_one_customer_get_429()
    {
        await using var slow = await StripeEmulatorHost.StartAsync(new StripeEmulatorOptions { MeterEventProcessingDelay = TimeSpan.FromMilliseconds(400) }, ct);
        var slowClient = slow.CreateClient();
        var meter = await slowClient.V1.Billing.Meters.CreateAsync(new Stripe.Billing.MeterCreateOptions
        {
            DisplayName = "Calls",
            EventName = "calls",
            DefaultAggregation = new Stripe.Billing.MeterDefaultAggregationOptions { Formula = "sum" },
        }, cancellationToken: ct);
        var customer = await slowClient.V1.Customers.CreateAsync(new CustomerCreateOptions(), cancellationToken: ct);
        Stripe.Billing.MeterEventCreateOptions Event(string id) => new()
        {
            EventName = meter.EventName,
            Identifier = id,
            Payload = new Dictionary<string, string> { ["stripe_customer_id"] = customer.Id, ["value"] = "1" },
        };

        var sameKey = new RequestOptions { IdempotencyKey = Guid.NewGuid().ToString() };
        var duplicates = await Task.WhenAll(
            Capture(() => slowClient.V1.Billing.MeterEvents.CreateAsync(Event("a"), sameKey, ct)),
            Capture(() => slowClient.V1.Billing.MeterEvents.CreateAsync(Event("a"), sameKey, ct)));
        var sameCustomer = await Task.WhenAll(
            Capture(() => slowClient.V1.Billing.MeterEvents.CreateAsync(Event("b"), cancellationToken: ct)),
            Capture(() => slowClient.V1.Billing.MeterEvents.CreateAsync(Event("c"), cancellationToken: ct)));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], duplicates.Order());
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests], sameCustomer.Order());
    }

    [Fact]
    public async Task Injected_faults_behave_like_Stripe_outages_for_the_client_retries()
    {
        await using var faulty = await StripeEmulatorHost.StartAsync(cancellationToken: ct);
        var retrying = faulty.CreateClient(maxNetworkRetries: 2);

        await faulty.ControlAsync("/_emulator/faults", [new("status", "500"), new("count", "2"), new("path", "/v1/customers")], ct);
        var customer = await retrying.V1.Customers.CreateAsync(new CustomerCreateOptions { Name = "after two 500s" }, cancellationToken: ct);

        await faulty.ControlAsync("/_emulator/faults", [new("status", "429"), new("count", "1")], ct);
        var limited = await Assert.ThrowsAsync<StripeException>(() => retrying.V1.Customers.GetAsync(customer.Id, cancellationToken: ct));

        await faulty.ControlAsync("/_emulator/faults", [new("status", "429"), new("should_retry", "true"), new("count", "1")], ct);
        var afterLockTimeout = await retrying.V1.Customers.GetAsync(customer.Id, cancellationToken: ct);

        Assert.Equal("after two 500s", customer.Name);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.HttpStatusCode);
        Assert.Equal(customer.Id, afterLockTimeout.Id);
    }

    [Fact]
    public async Task Health_answers_and_unknown_routes_get_Stripes_404()
    {
        using var http = new HttpClient { BaseAddress = fixture.Stripe.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", StripeEmulatorHost.DefaultApiKey);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health", ct)).StatusCode);
        var unknown = await http.GetAsync("/v1/nothing_here", ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("Unrecognized request URL", await unknown.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public void The_form_decoder_builds_maps_and_indexed_arrays()
    {
        var p = new ApiParams(FormDecoder.Decode("items[0][price]=p1&items[1][price]=p2&metadata[a%5Bb%5D]=x+y&metadata[0]=zero&expand[]=one&expand[]=two&empty="));

        Assert.Equal(["p1", "p2"], p.List("items")!.Select(i => i.String("price")));
        Assert.Equal(new Dictionary<string, string> { ["a[b]"] = "x y", ["0"] = "zero" }, p.NewMap("metadata"));
        Assert.Equal(["one", "two"], p.Expand);
        Assert.True(p.IsCleared("empty"));
        Assert.Null(p.String("empty"));
    }

    private static async Task<HttpStatusCode> Capture(Func<Task> call)
    {
        try
        {
            await call();
            return HttpStatusCode.OK;
        }
        catch (StripeException error)
        {
            return error.HttpStatusCode;
        }
    }
}
