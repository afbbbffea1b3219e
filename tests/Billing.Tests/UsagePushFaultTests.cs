using System.Net.Http.Json;
using Cic.Billing.BillingAccounts;
using Cic.Billing.UsagePush;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Contracts.Usage;
using Cic.StripeEmulator.Hosting;
using Cic.Testing;
using Stripe;
using Stripe.Billing;

namespace Cic.Billing.Tests;

public sealed class UsagePushFaultFixture : UsagePushFixture
{
    protected override DateTime? ClockStart => new(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Each meter-event call takes a while, so two overlapping calls for one customer would be refused (429), as Stripe does.</summary>
    protected override StripeEmulatorOptions EmulatorOptions => new() { WebhookRetrySeconds = [0.5, 1, 2, 5], MeterEventProcessingDelay = TimeSpan.FromMilliseconds(150) };
}

/// <summary>Stripe failing, slow or refusing, the service restarting, and messages that make no sense: no usage is lost or billed twice.</summary>
public sealed class UsagePushFaultTests(UsagePushFaultFixture billing) : IClassFixture<UsagePushFaultFixture>, IAsyncLifetime
{
    private const string MeterEvents = "/v1/billing/meter_events";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await billing.ClearFaultsAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Stripe_errors_during_the_push_are_retried_until_every_call_is_recorded_once()
    {
        var (company, hours, cycle) = await CompanyWithHoursAsync("Flaky Stripe Ltd", 3);
        // Server errors outlast the HTTP layer's own retries (5 attempts), then rate limits: pushes fail, wait and go again.
        await billing.FaultAsync(MeterEvents, count: 7, status: 500);
        await billing.FaultAsync(MeterEvents, count: 4, status: 429);
        var before = billing.Answers.All.Count;

        await billing.TallyAsync(company, hours[0], 11, revision: 1);
        await billing.TallyAsync(company, hours[1], 5, revision: 1);
        await billing.TallyAsync(company, hours[2], 2, revision: 1);
        await billing.TallyAsync(company, hours[2], 9, revision: 2);

        var view = await billing.SettledAsync(company, cycle.ToString(), 25);
        Assert.True(view.Matches, string.Join("; ", view.Flags.Select(f => f.Message)));
        Assert.Equal(25m, view.CallsInStripe);
        var meterAnswers = billing.Answers.All.Skip(before).Where(a => a.Path == MeterEvents).ToList();
        Assert.Equal(7, meterAnswers.Count(a => a.Status == 500));
        Assert.Equal(4, meterAnswers.Count(a => a.Status == 429));
    }

    [Fact]
    public async Task A_stripe_too_slow_to_answer_is_asked_again_and_counts_once()
    {
        var (company, hours, cycle) = await CompanyWithHoursAsync("Slow Lane Co", 3);
        await billing.FaultAsync(MeterEvents, count: 6, latencyMs: 2_000);
        var before = billing.Answers.All.Count;

        await billing.TallyAsync(company, hours[0], 30, revision: 1);
        await billing.TallyAsync(company, hours[1], 12, revision: 1);

        var view = await billing.SettledAsync(company, cycle.ToString(), 42);
        Assert.True(view.Matches, string.Join("; ", view.Flags.Select(f => f.Message)));
        Assert.Equal(42m, view.CallsInStripe);
        Assert.Equal(6, billing.Answers.All.Skip(before).Count(a => a.Path == MeterEvents && a.Status == 0));

        // An attempt that Stripe recorded although its answer never came back (as if the connection broke after it):
        // the push is sent again with the same identifier, and Stripe's "already exists" counts as sent.
        var customer = view.StripeCustomerId!;
        var subscription = Assert.Single((await billing.StripeClient.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = customer }, cancellationToken: Ct)).Data);
        await billing.StripeClient.V1.Billing.MeterEvents.CreateAsync(
            new MeterEventCreateOptions
            {
                EventName = BillingFixture.MeterEventName,
                Identifier = MeterPushIdentifier.For(company, hours[2], 1),
                Timestamp = subscription.StartDate,
                Payload = new Dictionary<string, string> { ["stripe_customer_id"] = customer, ["value"] = "7" },
            },
            cancellationToken: Ct);
        before = billing.Answers.All.Count;
        await billing.TallyAsync(company, hours[2], 7, revision: 1);

        var after = await billing.SettledAsync(company, cycle.ToString(), 49);
        Assert.True(after.Matches, string.Join("; ", after.Flags.Select(f => f.Message)));
        Assert.Equal(49m, after.CallsInStripe);
        Assert.Equal([400], billing.Answers.All.Skip(before).Where(a => a.Path == MeterEvents).Select(a => a.Status));
    }

    [Fact]
    public async Task Stripe_failing_while_the_customer_is_created_still_makes_one_customer_and_one_subscription()
    {
        var (company, hours, cycle) = await CompanyWithHoursAsync("First Push Inc", 2);
        await billing.AuthorizeStaffAsync(AccountKind.Company, company);
        await billing.FaultAsync("/v1/customers", count: 6, status: 503);
        await billing.FaultAsync("/v1/subscriptions", count: 6, status: 500);

        await billing.TallyAsync(company, hours[0], 8, revision: 1);
        await billing.TallyAsync(company, hours[1], 3, revision: 1);
        // Meanwhile staff open the card form for the same account: another first use of its customer.
        var setups = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => billing.Staff.PostAsync($"/billing-accounts/{company}/payment-methods/setup", null, Ct)));

        var view = await billing.SettledAsync(company, cycle.ToString(), 11);
        Assert.True(view.Matches, string.Join("; ", view.Flags.Select(f => f.Message)));
        var customer = Assert.Single(await billing.CustomersTaggedAsync(company));
        Assert.Equal(view.StripeCustomerId, customer.Id);
        Assert.Single((await billing.StripeClient.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = customer.Id }, cancellationToken: Ct)).Data);
        Assert.Equal(11m, await billing.MeterCallsAsync(customer.Id, cycle.Start, cycle.End));

        // A card form started while Stripe failed may have failed with it (a 5xx, or the retry layer's
        // open circuit), never otherwise; once Stripe answers again it works, on the same customer.
        Assert.All(setups, r => Assert.True(r.IsSuccessStatusCode || (int)r.StatusCode >= 500, $"setup answered {r.StatusCode}"));
        await Eventually.IsTrue(
            async () => (await billing.Staff.PostAsync($"/billing-accounts/{company}/payment-methods/setup", null, Ct)).IsSuccessStatusCode,
            "a card form to start once Stripe answers again");
        Assert.Equal(customer.Id, Assert.Single(await billing.CustomersTaggedAsync(company)).Id);
    }

    [Fact]
    public async Task Two_instances_never_call_stripe_at_once_for_a_customer_and_a_restart_mid_push_loses_nothing()
    {
        var cycle = BillingCycle.Containing(await billing.ClockNowAsync());
        var companies = new List<(Guid Id, DateTimeOffset[] Hours)>();
        for (var i = 0; i < 4; i++)
        {
            var (id, hours, _) = await CompanyWithHoursAsync($"Twin {i}", 10);
            companies.Add((id, hours));
        }

        var secondAnswers = new StripeAnswers();
        var second = new SecondInstance(await ServiceHost.StartAsync<BillingDb>(
            "billing-db", billing.Database, billing.Broker, billing.InstanceSettings, services => UsagePushFixture.ConfigureInstance(services, secondAnswers)));
        await using var stopsAtTheEnd = second;
        var before = billing.Answers.All.Count;
        foreach (var (id, hours) in companies)
        {
            foreach (var hour in hours.Take(3))
            {
                await billing.TallyAsync(id, hour, 4, revision: 1);
            }
        }

        foreach (var (id, _) in companies)
        {
            await billing.SettledAsync(id, cycle.ToString(), 12);
        }

        // Both instances pushed, yet Stripe never saw two calls for one customer at once.
        Assert.DoesNotContain(billing.Answers.All.Skip(before).Concat(secondAnswers.All), a => a.Status == 429);

        // One instance stops while it pushes; a new one starts in its place.
        foreach (var (id, hours) in companies)
        {
            foreach (var hour in hours.Skip(3))
            {
                await billing.TallyAsync(id, hour, 5, revision: 1);
            }
        }

        var ids = string.Join(", ", companies.Select(c => $"'{c.Id}'"));
        await Eventually.IsTrue(
            async () => secondAnswers.InFlight(MeterEvents) > 0
                || await billing.CountAsync($"SELECT count(*) FROM meter_pushes WHERE sent_at IS NOT NULL AND company_id IN ({ids})") == 40,
            "the second instance to be sending a meter event (or the first to have sent everything)");
        await second.StopAsync();
        await using var third = await ServiceHost.StartAsync<BillingDb>("billing-db", billing.Database, billing.Broker, billing.InstanceSettings, billing.ConfigureInstance);

        foreach (var (id, _) in companies)
        {
            var view = await billing.SettledAsync(id, cycle.ToString(), 47);
            Assert.True(view.Matches, string.Join("; ", view.Flags.Select(f => f.Message)));
            Assert.Equal(47m, view.CallsInStripe);
        }
    }

    [Fact]
    public async Task Usage_that_arrives_before_its_payer_is_known_waits_and_is_pushed_once_the_arrangement_comes()
    {
        var now = await billing.ClockNowAsync();
        var company = Guid.NewGuid();
        await billing.PublishAsync(new CompanyRegistered(Guid.NewGuid(), now, company, "Early Bird Co", null));
        await billing.WaitForAsync($"SELECT count(*) FROM billing_accounts WHERE id = '{company}'", "the company");
        var hour = Hour(now).AddHours(-2);
        await billing.TallyAsync(company, hour, 6, revision: 1);

        var cycle = BillingCycle.Containing(hour).ToString();
        var waiting = await Eventually.Returns(
            () => UsagePushFixture.ReconciliationAsync(billing.Staff, company, cycle),
            r => r.CallsAwaitingPayer == 6,
            "the calls to wait for a payer");
        Assert.Contains(waiting.Flags, f => f.Code == "awaiting_payer");
        var listed = await Eventually.Returns(
            async () => (await billing.Staff.GetFromJsonAsync<List<UsageDifferenceRow>>($"/billing-accounts/usage-differences?cycle={cycle}", Ct))!
                .FirstOrDefault(r => r.AccountId == company && r.LastError is not null),
            r => r is not null,
            "the company to be listed with the reason its usage waits");
        Assert.Equal((6L, 1), (listed!.CallsAwaitingPayer, listed.PendingPushes));
        Assert.Contains("Nobody is known to pay", listed.LastError);

        await billing.ArrangeAsync(company, AccountKind.Company, company, BillingCycle.Containing(hour).Start, version: 1);
        var view = await billing.SettledAsync(company, cycle.ToString(), 6);
        Assert.True(view.Matches, string.Join("; ", view.Flags.Select(f => f.Message)));
        Assert.Equal(6m, view.CallsInStripe);
    }

    [Fact]
    public async Task Tallies_that_make_no_sense_go_to_the_error_queue_with_the_reason_and_change_nothing()
    {
        var (company, hours, cycle) = await CompanyWithHoursAsync("Strict Parsing Co", 1);
        var start = hours[0];
        UsageTallied[] bad =
        [
            new(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.Empty, start, start.AddHours(1), 5, 1),
            new(Guid.NewGuid(), DateTimeOffset.UtcNow, company, start.AddMinutes(30), start.AddMinutes(90), 5, 1),
            new(Guid.NewGuid(), DateTimeOffset.UtcNow, company, start, start.AddHours(2), 5, 1),
            new(Guid.NewGuid(), DateTimeOffset.UtcNow, company, start, start.AddHours(1), -5, 1),
            new(Guid.NewGuid(), DateTimeOffset.UtcNow, company, start, start.AddHours(1), 5, 0),
        ];
        foreach (var tally in bad)
        {
            await billing.PublishAsync(tally);
        }

        const string ErrorQueue = "billing-usage-tallied_error";
        var failed = await Eventually.Returns(
            async () => (await billing.Broker.QueueNamesAsync()).Contains(ErrorQueue) ? await billing.Broker.PeekAsync(ErrorQueue, 20) : [],
            messages => messages.Count(m => bad.Any(b => m.Body.Contains(b.EventId.ToString(), StringComparison.Ordinal))) == bad.Length,
            "the five bad tallies to reach the error queue");
        var reasons = failed.Select(m => m.Headers.GetValueOrDefault("MT-Fault-Message") ?? "").ToList();
        Assert.Contains(reasons, r => r.Contains("CompanyId is required", StringComparison.Ordinal));
        Assert.Equal(2, reasons.Count(r => r.Contains("is not one UTC hour starting on the hour", StringComparison.Ordinal)));
        Assert.Contains(reasons, r => r.Contains("CallCount -5 is negative", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("Revision 0 is not 1 or more", StringComparison.Ordinal));

        // A good tally afterwards is counted as if the bad ones never came.
        await billing.TallyAsync(company, start, 3, revision: 1);
        var view = await billing.SettledAsync(company, cycle.ToString(), 3);
        Assert.Equal(3, view.CallsPushed);
    }

    /// <summary>A company billed on its own since the start of the clock's cycle, and the last <paramref name="count"/> whole hours before the clock.</summary>
    private async Task<(Guid Company, DateTimeOffset[] Hours, BillingCycle Cycle)> CompanyWithHoursAsync(string name, int count)
    {
        var now = await billing.ClockNowAsync();
        var cycle = BillingCycle.Containing(now);
        var company = await billing.CompanyAsync(name, since: cycle.Start);
        var hours = Enumerable.Range(1, count).Select(i => Hour(now).AddHours(-i)).Reverse().ToArray();
        Assert.All(hours, h => Assert.True(h >= cycle.Start));
        return (company, hours, cycle);
    }

    /// <summary>Another instance of the service, stopped once: mid-test, or at the end if the test failed before.</summary>
    private sealed class SecondInstance(ServiceHost<BillingDb> host) : IAsyncDisposable
    {
        private ServiceHost<BillingDb>? _host = host;

        public async Task StopAsync()
        {
            if (Interlocked.Exchange(ref _host, null) is { } running)
            {
                await running.DisposeAsync();
            }
        }

        public async ValueTask DisposeAsync() => await StopAsync();
    }

    private static DateTimeOffset Hour(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);
}
