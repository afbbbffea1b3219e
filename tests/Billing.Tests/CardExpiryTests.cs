using System.Net.Http.Json;
using Cic.Billing.PaymentMethods;
using Cic.Billing.Readiness;
using Cic.Billing.Reconciliation;
using Cic.Contracts;
using Cic.Contracts.Billing;
using Cic.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cic.Billing.Tests;

/// <summary>"Check whether their payment method is still valid (Stripe will report expired cards)."</summary>
[Collection(nameof(BillingService))]
public sealed class CardExpiryTests(BillingFixture billing)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_expired_default_card_turns_readiness_red_and_is_reported_once()
    {
        var company = await billing.CompanyAsync("Expiring Goods");
        var staff = billing.Staff;
        await billing.AuthorizeStaffAsync(AccountKind.Company, company);
        var card = await billing.AddCardAsync(staff, company);
        (await staff.PostAsync($"/billing-accounts/{company}/payment-methods/{card.Id}/default", null, Ct)).EnsureSuccessStatusCode();
        var mark = await billing.Database.MarkAsync();

        // The card silently passes its expiry (Stripe sends no event for that); the next sync notices.
        await billing.Stripe.ControlAsync($"/_emulator/payment_methods/{card.Id}/expire", cancellationToken: Ct);
        (await staff.PostAsync($"/billing-accounts/{company}/sync", null, Ct)).EnsureSuccessStatusCode();
        (await staff.PostAsync($"/billing-accounts/{company}/sync", null, Ct)).EnsureSuccessStatusCode();

        var listed = Assert.Single(await BillingFixture.CardsAsync(staff, company));
        Assert.True(listed.Expired);
        var readiness = (await staff.GetFromJsonAsync<ReadinessResponse>($"/billing-accounts/{company}/readiness", Ct))!;
        Assert.Equal(["default_card_expired"], readiness.Problems.Select(p => p.Code));

        var expired = Assert.Single(await billing.Database.EventsSinceAsync(mark), e => e.Name == nameof(PaymentMethodExpired)).As<PaymentMethodExpired>();
        Assert.Equal((company, card.Id, "4242", true), (expired.BillingAccountId, expired.PaymentMethodId, expired.Last4, expired.WasDefault));
    }

    [Fact]
    public async Task A_card_updated_by_the_card_network_is_valid_again()
    {
        var company = await billing.CompanyAsync("Renewed Cards Co");
        var staff = billing.Staff;
        await billing.AuthorizeStaffAsync(AccountKind.Company, company);
        var card = await billing.AddCardAsync(staff, company);
        (await staff.PostAsync($"/billing-accounts/{company}/payment-methods/{card.Id}/default", null, Ct)).EnsureSuccessStatusCode();
        await billing.Stripe.ControlAsync($"/_emulator/payment_methods/{card.Id}/expire", cancellationToken: Ct);
        (await staff.PostAsync($"/billing-accounts/{company}/sync", null, Ct)).EnsureSuccessStatusCode();
        Assert.True(Assert.Single(await BillingFixture.CardsAsync(staff, company)).Expired);

        // Stripe's card account updater: payment_method.automatically_updated, learned by webhook.
        var newYear = DateTime.UtcNow.Year + 4;
        await billing.Stripe.ControlAsync($"/_emulator/payment_methods/{card.Id}/automatic_update", [new("exp_month", "6"), new("exp_year", newYear.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("last4", "1881")], Ct);

        var updated = await Eventually.Returns(
            async () => Assert.Single(await BillingFixture.CardsAsync(staff, company)),
            c => c.ExpYear == newYear,
            "the updated expiry to arrive by webhook");
        Assert.Equal(("1881", 6, false), (updated.Last4, updated.ExpMonth, updated.Expired));
        Assert.True((await staff.GetFromJsonAsync<ReadinessResponse>($"/billing-accounts/{company}/readiness", Ct))!.Ready);
    }

    [Fact]
    public async Task A_card_expiry_is_announced_once_when_the_expiry_pass_and_a_webhook_sync_race_on_two_instances()
    {
        await using var second = await ServiceHost.StartAsync<BillingDb>("billing-db", billing.Database, billing.Broker, billing.InstanceSettings);
        var pass = billing.Services.GetRequiredService<CardExpiryPass>();
        // The second instance's first reconciliation (every customer re-read) has finished once another one could run.
        var reconciliation = second.Services.GetRequiredService<StripeReconciliation>();
        await Eventually.IsTrue(() => reconciliation.RunOnceAsync(Ct), "the second instance's first reconciliation to end");
        for (var round = 0; round < 3; round++)
        {
            var roundStart = DateTime.UtcNow.AddSeconds(-2); // Stripe's clock is this machine's: no test clock here
            var cards = new List<CardResponse>();
            for (var i = 0; i < 4; i++)
            {
                var company = await billing.CompanyAsync($"Racing Expiry {round}-{i}");
                await billing.AuthorizeStaffAsync(AccountKind.Company, company);
                cards.Add(await billing.AddCardAsync(billing.Staff, company));
            }

            // Nothing else syncs these customers before the race: every webhook their setup caused delivered and processed.
            await Eventually.IsTrue(async () =>
            {
                var sent = await billing.StripeClient.V1.Events.ListAsync(
                    new global::Stripe.EventListOptions { Created = new global::Stripe.DateRangeOptions { GreaterThanOrEqual = roundStart }, Limit = 100 }, cancellationToken: Ct);
                var ids = string.Join(", ", sent.Data.Select(e => $"'{e.Id}'"));
                return sent.Data.Count > 0 && !sent.HasMore && sent.Data.All(e => e.PendingWebhooks == 0)
                    && await billing.CountAsync($"SELECT count(*) FROM stripe_events WHERE processed_at IS NOT NULL AND id IN ({ids})") == sent.Data.Count;
            }, "the setup's webhooks to be processed");

            // Accounts whose stored card has passed its expiry, not announced yet: as the daily pass finds them
            // the month after a sync last read the card.
            var expiring = new List<(string Customer, string Card, int Month, int Year)>();
            foreach (var card in cards)
            {
                await billing.Stripe.ControlAsync($"/_emulator/payment_methods/{card.Id}/expire", cancellationToken: Ct);
                var inStripe = await billing.StripeClient.V1.PaymentMethods.GetAsync(card.Id, cancellationToken: Ct);
                Assert.Equal(1, await billing.CountAsync(
                    $"WITH known AS (UPDATE cards SET exp_month = {inStripe.Card.ExpMonth}, exp_year = {inStripe.Card.ExpYear} WHERE id = '{card.Id}' AND expiry_reported_at IS NULL RETURNING 1) SELECT count(*) FROM known"));
                expiring.Add((inStripe.CustomerId, card.Id, (int)inStripe.Card.ExpMonth, (int)inStripe.Card.ExpYear));
            }

            var mark = await billing.Database.MarkAsync();
            // At once: the expiry pass on the first instance, and on the second the card sync a Stripe webhook
            // (customer.updated, payment_method.*) runs for each of those customers.
            using var start = new SemaphoreSlim(0);
            var passed = Task.Run(async () =>
            {
                await start.WaitAsync(Ct);
                return await pass.RunOnceAsync(Ct);
            }, Ct);
            var synced = expiring.Select(e => Task.Run(async () =>
            {
                await start.WaitAsync(Ct);
                await using var scope = second.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<CardSync>().SyncCustomerAsync(e.Customer, Ct);
            }, Ct)).ToList();
            start.Release(expiring.Count + 1);
            Assert.True(await passed);
            await Task.WhenAll(synced);

            var announced = (await billing.Database.EventsSinceAsync(mark))
                .Where(e => e.Name == nameof(PaymentMethodExpired)).Select(e => e.As<PaymentMethodExpired>()).ToList();
            foreach (var (_, card, month, year) in expiring)
            {
                var once = Assert.Single(announced, a => a.PaymentMethodId == card);
                Assert.Equal(CardSync.ExpiredEventId(card, month, year), once.EventId);
            }
        }
    }
}
