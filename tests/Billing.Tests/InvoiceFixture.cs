using System.Globalization;
using Cic.Billing.BillingAccounts;
using Cic.Billing.Customers;
using Cic.Contracts;
using Cic.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Stripe;
using Stripe.Billing;

namespace Cic.Billing.Tests;

/// <summary>
/// Billing with its customers on one Stripe test clock, so a test can run a billing cycle out: each test
/// subscribes its own account mid-cycle and runs the clock past that cycle's end. Advancing moves every
/// customer on the clock, so the tests of one class share it and each starts from wherever it stands.
/// </summary>
public sealed class InvoiceFixture : BillingFixture
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Mid-month, as a customer's first cycle usually starts.
    protected override DateTime? ClockStart => new DateTime(2026, 10, 14, 9, 30, 0, DateTimeKind.Utc);

    /// <summary>Runs the clock past the end of the current billing cycle and Stripe's finalization grace hour.</summary>
    public async Task RunPastCycleEndAsync() =>
        await AdvanceClockAsync(BillingCycle.Containing(await ClockNowAsync()).End.AddHours(2));

    /// <summary>The account's customer and subscription, created as the usage push creates them.</summary>
    public async Task<BillingAccount> SubscribeAsync(Guid accountId)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<StripeCustomers>().EnsureSubscriptionAsync(accountId, Ct);
    }

    /// <summary>Usage reported straight to Stripe's meter for the customer (the usage push is not part of these tests).</summary>
    public Task ReportUsageAsync(string customerId, long calls, DateTimeOffset at) =>
        StripeClient.V1.Billing.MeterEvents.CreateAsync(
            new MeterEventCreateOptions
            {
                EventName = MeterEventName,
                Identifier = Guid.NewGuid().ToString("N"),
                Timestamp = at.UtcDateTime,
                Payload = new Dictionary<string, string>
                {
                    ["stripe_customer_id"] = customerId,
                    ["value"] = calls.ToString(CultureInfo.InvariantCulture),
                },
            },
            cancellationToken: Ct);

    /// <summary>
    /// A row of the ledger of usage pushed to Stripe, written as the usage push writes it once Stripe accepted
    /// the meter event (<paramref name="sent"/>) — that part of Billing is built separately.
    /// </summary>
    public async Task LedgerAsync(Guid companyId, Guid payerId, string customerId, DateTimeOffset meterTimestamp, long calls, bool sent = true)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO meter_pushes (identifier, company_id, window_start, revision, calls, payer_id, stripe_customer_id,
                                      meter_timestamp, created_at, sent_at, attempts, next_attempt_at)
            VALUES (@identifier, @company, @window, 1, @calls, @payer, @customer, @timestamp, @timestamp, @sent, 1, @nextAttempt)
            """,
            connection);
        command.Parameters.AddWithValue("identifier", $"test-{Guid.NewGuid():N}");
        command.Parameters.AddWithValue("company", companyId);
        command.Parameters.AddWithValue("window", new DateTimeOffset(meterTimestamp.Year, meterTimestamp.Month, meterTimestamp.Day, meterTimestamp.Hour, 0, 0, TimeSpan.Zero));
        command.Parameters.AddWithValue("calls", calls);
        command.Parameters.AddWithValue("payer", payerId);
        command.Parameters.AddWithValue("customer", customerId);
        command.Parameters.AddWithValue("timestamp", meterTimestamp);
        command.Parameters.AddWithValue("sent", sent ? meterTimestamp : DBNull.Value);
        // An unsent row stays unsent during the test: the service's usage push would otherwise send it to Stripe.
        command.Parameters.AddWithValue("nextAttempt", sent ? meterTimestamp : meterTimestamp.AddYears(10));
        await command.ExecuteNonQueryAsync(Ct);
    }

    /// <summary>POSTs to one of the emulator's control endpoints (<c>/_emulator/…</c>).</summary>
    public Task ControlAsync(string path, params (string Name, string Value)[] parameters) =>
        Stripe.ControlAsync(path, parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)), Ct);

    /// <summary>The newest event Stripe has created, as a mark for <see cref="SettledAsync"/>.</summary>
    public async Task<string?> LatestStripeEventAsync() =>
        (await StripeClient.V1.Events.ListAsync(new EventListOptions { Limit = 1 }, cancellationToken: Ct)).Data.FirstOrDefault()?.Id;

    /// <summary>
    /// Waits until every event Stripe created after <paramref name="since"/> reached Billing (each
    /// <paramref name="copies"/> times, when deliveries are duplicated) and Billing processed everything it
    /// stored: after this, no late webhook can still change what a test asserts.
    /// </summary>
    public async Task SettledAsync(string? since, int copies = 1)
    {
        var ids = new List<string>();
        await foreach (var stripeEvent in StripeClient.V1.Events.ListAutoPagingAsync(new EventListOptions { Limit = 100 }, cancellationToken: Ct))
        {
            if (stripeEvent.Id == since)
            {
                break;
            }

            ids.Add(stripeEvent.Id);
        }

        await Eventually.IsTrue(
            () =>
            {
                var delivered = Stripe.WebhookDeliveries()
                    .Where(d => d.Status is >= 200 and < 300)
                    .GroupBy(d => d.EventId)
                    .ToDictionary(g => g.Key, g => g.Count());
                return Task.FromResult(ids.All(id => delivered.GetValueOrDefault(id) >= copies));
            },
            $"{ids.Count} Stripe events to reach Billing {copies} time(s)");
        await Eventually.IsTrue(
            // Given up (failed_at) is settled too: such an event is never tried again.
            async () => await CountAsync("SELECT count(*) FROM stripe_events WHERE processed_at IS NULL AND failed_at IS NULL") == 0,
            "Billing to process (or give up) every stored Stripe event");
    }

    /// <summary>The events Billing committed since <paramref name="mark"/> about one invoice, oldest first.</summary>
    public async Task<List<PublishedEvent>> InvoiceEventsAsync(long mark, string invoiceId) =>
        (await Database.EventsSinceAsync(mark))
            .Where(e => e.Body.TryGetProperty("invoiceId", out var id) && id.GetString() == invoiceId)
            .ToList();
}
