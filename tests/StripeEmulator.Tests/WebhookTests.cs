using Cic.StripeEmulator.Hosting;
using Stripe;

namespace Cic.StripeEmulator.Tests;

/// <summary>Webhooks: signed like Stripe, retried on failure, and reorderable or duplicable on request.</summary>
public sealed class WebhookTests(EmulatorFixture fixture)
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_webhook_passes_EventUtility_ConstructEvent_with_the_endpoint_secret()
    {
        var customer = await fixture.Client.V1.Customers.CreateAsync(new CustomerCreateOptions { Name = "Signed" }, cancellationToken: ct);

        var delivery = await Eventually.GetAsync(
            () => fixture.Webhooks.Deliveries.FirstOrDefault(d => d.EventType == "customer.created" && d.Body.Contains(customer.Id, StringComparison.Ordinal)),
            "the customer.created webhook");
        var stripeEvent = EventUtility.ConstructEvent(delivery.Body, delivery.Signature, fixture.WebhookEndpoint.Secret);

        Assert.Equal(EventTypes.CustomerCreated, stripeEvent.Type);
        Assert.Equal(customer.Id, Assert.IsType<Customer>(stripeEvent.Data.Object).Id);
        Assert.Throws<StripeException>(() => EventUtility.ConstructEvent(delivery.Body, delivery.Signature, "whsec_wrong"));
    }

    [Fact]
    public async Task The_configured_endpoint_gets_retried_deliveries_and_the_switches_duplicate_and_reorder()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var stripe = await StripeEmulatorHost.StartAsync(new StripeEmulatorOptions
        {
            WebhookUrl = receiver.Url,
            WebhookSecret = "whsec_configured",
            WebhookEvents = ["product.created"],
            WebhookRetrySeconds = [0.05, 0.05, 0.05],
        }, ct);
        var client = stripe.CreateClient();
        async Task<string> CreateProductAsync(string name) => (await client.V1.Products.CreateAsync(new ProductCreateOptions { Name = name }, cancellationToken: ct)).Id;
        async Task<IReadOnlyList<string>> DeliveredAsync(int count) => await Eventually.GetAsync(
            () => receiver.Deliveries.Count >= count ? receiver.Deliveries.Select(d => d.EventId).ToList() : null, $"{count} deliveries");

        receiver.FailNext(2);
        await CreateProductAsync("retried");
        var retried = Assert.Single(await DeliveredAsync(1));
        // The emulator records the attempt once the receiver's answer is back, just after the receiver saw it.
        await Eventually.GetAsync(
            () => stripe.WebhookDeliveries().FirstOrDefault(d => d.EventId == retried && d.Attempt == 3 && d.Status == 200),
            "the third attempt to be recorded as delivered");
        Assert.Equal("whsec_configured", stripe.WebhookSecret);
        EventUtility.ConstructEvent(receiver.Deliveries.Single().Body, receiver.Deliveries.Single().Signature, "whsec_configured");

        await stripe.ControlAsync("/_emulator/webhooks/duplicate", [new("count", "1")], ct);
        await CreateProductAsync("twice");
        var afterDuplicate = await DeliveredAsync(3);
        Assert.Equal(afterDuplicate[1], afterDuplicate[2]);

        await stripe.ControlAsync("/_emulator/webhooks/out_of_order", [new("count", "2")], ct);
        await CreateProductAsync("first");
        await CreateProductAsync("second");
        var reordered = (await DeliveredAsync(5)).Skip(3).ToList();
        var events = await client.V1.Events.ListAsync(new EventListOptions { Type = "product.created", Limit = 2 }, cancellationToken: ct);
        // Newest first = the reverse of the order they happened in.
        Assert.Equal(events.Data.Select(e => e.Id), reordered);
        Assert.DoesNotContain(retried, reordered);
    }
}
