using System.Text.Json;
using Cic.Contracts;
using Cic.Testing;
using Npgsql;
using Stripe;

namespace Cic.Billing.Tests;

/// <summary>
/// No database transaction stays open while Stripe is called: a Stripe slowdown (each call may take up to 90 s)
/// must not hold row locks or connections in a transaction, so the rest of Billing keeps working meanwhile.
/// </summary>
[Collection(nameof(BillingService))]
public sealed class StripeSlowdownTests(BillingFixture billing)
{
    // Below Billing's 20 s per attempt (StripeSetup), so the sync waits for the slow answer rather than retrying.
    private static readonly TimeSpan SlowAnswer = TimeSpan.FromSeconds(18);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task While_Stripe_is_slow_to_answer_a_webhook_sync_neither_the_account_nor_the_event_is_locked()
    {
        var company = await billing.CompanyAsync("Slow Stripe Traders");
        await billing.AuthorizeStaffAsync(AccountKind.Company, company);
        var card = await billing.AddCardAsync(billing.Staff, company);
        var customerId = (await billing.Database.ScalarAsync<string>($"SELECT stripe_customer_id FROM billing_accounts WHERE id = '{company}'"))!;

        // The next listing of the customer's cards answers only after a while; a change in Stripe's dashboard sends
        // customer.updated, whose processing re-reads the cards. (A webhook of the card's addition may still be on its
        // way and be the one whose sync meets the slow listing: any of the customer's events will do.)
        await billing.Stripe.ControlAsync("/_emulator/faults",
        [
            new("path", $"/v1/customers/{customerId}/payment_methods"), new("method", "GET"), new("count", "1"),
            new("latency_ms", ((int)SlowAnswer.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ], Ct);
        await billing.StripeClient.V1.Customers.UpdateAsync(customerId, new CustomerUpdateOptions { Description = "renamed in the dashboard" }, cancellationToken: Ct);
        await Eventually.IsTrue(async () => await PendingFaultsAsync() == 0, "the sync's listing of cards to reach Stripe");

        // Now the sync is waiting on Stripe. Whatever a transaction held would make these fail at once (NOWAIT).
        await using var connection = new NpgsqlConnection(billing.Database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        var waitingEvents = await ScalarAsync<long>(connection,
            $"SELECT count(*) FROM stripe_events WHERE customer_id = '{customerId}' AND processed_at IS NULL");
        var lockedAccount = await LockedAsync(connection, $"SELECT 1 FROM billing_accounts WHERE id = '{company}' FOR UPDATE NOWAIT");
        var lockedEvents = await LockedAsync(connection, $"SELECT 1 FROM stripe_events WHERE customer_id = '{customerId}' AND processed_at IS NULL FOR UPDATE NOWAIT");
        await transaction.RollbackAsync(Ct);

        Assert.True(waitingEvents > 0, $"The check came after the sync had finished (more than {SlowAnswer} after Stripe was called): it proves nothing.");
        Assert.False(lockedAccount, "A transaction held the billing account's row while Stripe was being called.");
        Assert.False(lockedEvents, "A transaction held the Stripe event's row while Stripe was being called.");

        // And the syncs still complete once Stripe answers.
        await billing.WaitForAsync(
            $"SELECT count(*) FROM stripe_events WHERE customer_id = '{customerId}' AND type = 'customer.updated' AND processed_at IS NOT NULL",
            "the customer.updated event to be processed");
        await Eventually.IsTrue(
            async () => await billing.CountAsync($"SELECT count(*) FROM stripe_events WHERE customer_id = '{customerId}' AND processed_at IS NULL") == 0,
            "every event of the customer to be processed");
        Assert.Contains(await BillingFixture.CardsAsync(billing.Staff, company), c => c.Id == card.Id);
    }

    private async Task<int> PendingFaultsAsync()
    {
        using var http = new HttpClient();
        using var answer = JsonDocument.Parse(await http.GetStringAsync(new Uri(billing.Stripe.BaseUrl, "/_emulator/faults"), Ct));
        return answer.RootElement.GetProperty("pending").GetInt32();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }

    /// <returns>Whether a row the statement selects is locked by another transaction.</returns>
    private static async Task<bool> LockedAsync(NpgsqlConnection connection, string lockingSql)
    {
        await using var savepoint = new NpgsqlCommand("SAVEPOINT probe", connection);
        await savepoint.ExecuteNonQueryAsync(Ct);
        try
        {
            await using var command = new NpgsqlCommand(lockingSql, connection);
            await command.ExecuteNonQueryAsync(Ct);
            await using var release = new NpgsqlCommand("RELEASE SAVEPOINT probe", connection);
            await release.ExecuteNonQueryAsync(Ct);
            return false;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            await using var back = new NpgsqlCommand("ROLLBACK TO SAVEPOINT probe", connection);
            await back.ExecuteNonQueryAsync(Ct);
            return true;
        }
    }
}
