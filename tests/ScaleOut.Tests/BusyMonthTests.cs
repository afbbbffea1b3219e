using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cic.StripeEmulator.Dashboard;
using Cic.StripeEmulator.Hosting;
using Cic.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Stripe;
using Stripe.Billing;
using Stripe.TestHelpers;

namespace Cic.ScaleOut.Tests;

/// <summary>
/// Two instances of every service on the same databases and broker, as a scaled-out deployment
/// runs them, through a busy month: companies and organizations registered, cards added, calls
/// arriving, usage pushed, the month run out on a Stripe test clock, invoices synced and
/// notified. Competing consumers must share the work, and every total must come out exact: calls
/// stored = calls sent, Stripe usage = calls, one Stripe customer per paying account, one
/// notification per invoice and owner.
/// </summary>
public sealed class BusyMonthTests : IAsyncLifetime
{
    private const string WebhookSecret = "whsec_scale_out";
    private const int CallsPerCompany = 400;
    private readonly List<Instance> _instances = [];
    private readonly Dictionary<string, TestDatabase> _databases = [];
    private TestVirtualHost _broker = null!;
    private StripeEmulatorHost _stripe = null!;
    private StripeClient _stripeClient = null!;
    private TestClock _clock = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        foreach (var name in new[] { "accounts", "usage", "billing", "notifications" })
        {
            _databases[name] = await servers.CreateDatabaseAsync($"scale-{name}");
        }

        _broker = await servers.CreateVirtualHostAsync("scale-out");
        _stripe = await StripeEmulatorHost.StartAsync(new StripeEmulatorOptions
        {
            WebhookRetrySeconds = [0.5, 1, 2, 5],
            Dashboard = new DashboardOptions { Calls = new CallsCatalogOptions() },
        });
        _stripeClient = _stripe.CreateClient();
        // Every webhook goes to both Billing instances (an endpoint and a secret each): each event must still be processed once.
        var secrets = new[] { WebhookSecret, WebhookSecret + "_second" };
        _clock = await _stripeClient.V1.TestHelpers.TestClocks.CreateAsync(new TestClockCreateOptions { FrozenTime = DateTime.UtcNow, Name = "busy month" }, cancellationToken: Ct);

        for (var i = 0; i < 2; i++)
        {
            var n = (char)('A' + i);
            _instances.Add(await StartAsync<Cic.Accounts.AccountsDb>($"accounts-{n}", "accounts-db", _databases["accounts"], []));
            _instances.Add(await StartAsync<Cic.Usage.UsageDb>($"usage-{n}", "usage-db", _databases["usage"],
            [
                new("Usage:Tallies:SettleDelay", "00:00:01"),
                new("Usage:Tallies:PublishInterval", "00:00:01"),
            ]));
            _instances.Add(await StartAsync<Cic.Billing.BillingDb>($"billing-{n}", "billing-db", _databases["billing"],
            [
                new("Stripe:SecretKey", StripeEmulatorHost.DefaultApiKey),
                new("Stripe:PublishableKey", "pk_test_scale_out"),
                new("Stripe:WebhookSecret", secrets[i]),
                new("Stripe:ApiBase", _stripe.ApiBase),
                new("Stripe:PriceLookupKey", "cic_calls_handled"),
                new("Stripe:MeterEventName", "calls_handled"),
                new("Stripe:TestClock", _clock.Id),
                new("Webhooks:PollInterval", "00:00:00.200"),
            ], webhookSecret: secrets[i]));
            _instances.Add(await StartAsync<Cic.Notifications.NotificationsDb>($"notifications-{n}", "notifications-db", _databases["notifications"],
            [
                new("Portal:BaseUrl", "https://portal.cic.test/"),
            ]));
        }
    }

    [Fact]
    public async Task A_busy_month_on_two_instances_of_every_service_adds_up_exactly()
    {
        var staff = TestTokens.Staff("staff-scale");

        // Finance and staff set up customers through either Accounts instance.
        var organizations = new List<Guid>();
        var companies = new List<(Guid Id, Guid Payer)>();
        var owners = new Dictionary<Guid, string>();
        for (var o = 0; o < 2; o++)
        {
            var organization = await CreateAsync(Api("accounts", o, staff), "/organizations", new { name = $"Group {o}" });
            organizations.Add(organization);
            owners[organization] = await OwnerAsync(Api("accounts", o + 1, staff), $"/organizations/{organization}/members");
            for (var c = 0; c < 3; c++)
            {
                companies.Add((await CreateAsync(Api("accounts", c, staff), "/companies", new { name = $"Group {o} company {c}", organizationId = organization }), organization));
            }
        }

        for (var c = 0; c < 4; c++)
        {
            var company = await CreateAsync(Api("accounts", c, staff), "/companies", new { name = $"Standalone {c}" });
            companies.Add((company, company));
            owners[company] = await OwnerAsync(Api("accounts", c + 1, staff), $"/companies/{company}/members");
        }

        // Each paying account's owner adds a card through either Billing instance and makes it the default.
        var payers = owners.Keys.ToList();
        for (var p = 0; p < payers.Count; p++)
        {
            await AddDefaultCardAsync(Api("billing", p, TestTokens.Customer(owners[payers[p]])), payers[p]);
        }

        // A call-handling system reports calls from the last hours, with some sent twice.
        var sent = await PublishCallsAsync(companies.Select(c => c.Id).ToList());

        // Usage stores and tallies every call exactly once, whichever instance consumed it.
        foreach (var (company, _) in companies)
        {
            await Eventually.Returns(
                async () => (await Api("usage", 0, staff).GetFromJsonAsync<JsonElement>($"/companies/{company}/usage?granularity=month", Ct)).GetProperty("totalCalls").GetInt64(),
                total => total == sent[company],
                $"Usage to count {sent[company]} calls for company {company}",
                TimeSpan.FromSeconds(90));
        }

        // Billing pushes each payer's usage to its one Stripe customer, exactly once.
        var customers = new Dictionary<Guid, string>();
        foreach (var payer in payers)
        {
            var expected = companies.Where(c => c.Payer == payer).Sum(c => sent[c.Id]);
            customers[payer] = await Eventually.Returns(
                async () => await CustomerOfAsync(payer),
                id => id is not null,
                $"the Stripe customer of {payer}") ?? "";
            await Eventually.Returns(
                () => MeteredCallsAsync(customers[payer]),
                calls => calls == expected,
                $"Stripe to hold {expected} calls for {payer}",
                TimeSpan.FromSeconds(90));
        }

        foreach (var (company, payer) in companies.Where(c => c.Id != c.Payer))
        {
            Assert.Null(await CustomerOfAsync(company)); // companies of an organization need no customer
        }

        // The month runs out: every payer gets one invoice for exactly its calls, and each owner one notice of it.
        await AdvanceClockAsync(BillingCycleEnd().AddHours(2));
        foreach (var payer in payers)
        {
            var expected = companies.Where(c => c.Payer == payer).Sum(c => sent[c.Id]);
            var invoice = await Eventually.Returns(
                async () => (await _stripeClient.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = customers[payer] }, cancellationToken: Ct)).Data
                    .SingleOrDefault(i => i.BillingReason == "subscription_cycle" && i.Status == "paid"),
                i => i is not null,
                $"the paid cycle invoice of {payer}",
                TimeSpan.FromSeconds(60));
            Assert.Equal(expected, invoice!.Lines.Data.Sum(l => l.Quantity ?? 0));

            await Eventually.Returns(
                () => JsonOrDefaultAsync(Api("billing", 1, staff), $"/invoices/{invoice.Id}"),
                json => json.ValueKind == JsonValueKind.Object && json.GetProperty("status").GetString() == "paid",
                $"Billing to show invoice {invoice.Id} paid");

            var feed = await Eventually.Returns(
                async () => (await Api("notifications", 0, TestTokens.Customer(owners[payer])).GetFromJsonAsync<JsonElement>("/me/notifications?pageSize=100", Ct)).GetProperty("items").EnumerateArray()
                    .Where(n => n.GetProperty("type").GetString() == "invoice-issued").ToList(),
                notices => notices.Count > 0,
                $"the owner of {payer} to be told of the invoice");
            await Task.Delay(TimeSpan.FromSeconds(1), Ct); // a duplicate would arrive right behind the first
            Assert.Single((await Api("notifications", 1, TestTokens.Customer(owners[payer])).GetFromJsonAsync<JsonElement>("/me/notifications?pageSize=100", Ct))
                .GetProperty("items").EnumerateArray(), n => n.GetProperty("type").GetString() == "invoice-issued");
        }

        // Both instances of each consuming service did part of the work.
        foreach (var service in new[] { "usage", "billing", "notifications" })
        {
            var pair = _instances.Where(i => i.Name.StartsWith(service, StringComparison.Ordinal)).ToList();
            Assert.All(pair, i => Assert.True(i.Consumed.Total > 0, $"{i.Name} consumed nothing: {i.Consumed}"));
        }

        // Calls come off their own queues (not through MassTransit): both Usage instances stored some.
        Assert.All(_instances.Where(i => i.Name.StartsWith("usage", StringComparison.Ordinal)), i => Assert.True(i.Consumed.StoredCalls > 0, $"{i.Name} stored no calls: {i.Consumed}"));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        await _stripe.DisposeAsync();
        await _broker.DisposeAsync();
        foreach (var database in _databases.Values)
        {
            await database.DisposeAsync();
        }
    }

    private async Task<Instance> StartAsync<TEntryPoint>(
        string name, string connectionName, TestDatabase database, IEnumerable<KeyValuePair<string, string?>> settings, string? webhookSecret = null) where TEntryPoint : class
    {
        var consumed = new ConsumedMessages();
        var host = await ServiceHost.StartAsync<TEntryPoint>(
            connectionName, database, _broker, settings, services => services.AddConsumeObserver(_ => consumed), realHttp: webhookSecret is not null);
        if (webhookSecret is not null)
        {
            // A Stripe webhook endpoint for this Billing instance, at the port its Kestrel bound itself.
            _stripe.AddWebhookEndpointSignedWith(new Uri(host.BaseAddress!, "/stripe/webhooks").ToString(), webhookSecret);
        }

        consumed.CountStoredCalls(host.Services.GetRequiredService<IMeterFactory>());
        return new Instance(name, host.Client, async () =>
        {
            await host.DisposeAsync();
            consumed.Dispose();
        }, consumed);
    }

    /// <summary>A client of the <paramref name="n"/>th instance (modulo two) of a service: requests alternate between instances.</summary>
    private HttpClient Api(string service, int n, string token) =>
        _instances.Where(i => i.Name.StartsWith(service, StringComparison.Ordinal)).ElementAt(n % 2).Client(token);

    /// <summary>The answer's JSON, or <c>default</c> while the resource is not there (yet).</summary>
    private static async Task<JsonElement> JsonOrDefaultAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(Ct) : default;
    }

    private static async Task<Guid> CreateAsync(HttpClient accounts, string path, object body)
    {
        var response = await accounts.PostAsJsonAsync(path, body, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    private static async Task<string> OwnerAsync(HttpClient accounts, string membersPath)
    {
        var userId = $"owner-{Guid.NewGuid().ToString("N")[..8]}";
        var response = await accounts.PostAsJsonAsync(membersPath, new { userId, email = $"{userId}@example.test", displayName = userId, role = "Owner" }, Ct);
        response.EnsureSuccessStatusCode();
        return userId;
    }

    private async Task AddDefaultCardAsync(HttpClient billing, Guid account)
    {
        // Billing learns of the account from Accounts' events; until then it is not found.
        var setup = await Eventually.Returns(
            async () => await billing.PostAsync($"/billing-accounts/{account}/payment-methods/setup", null, Ct),
            r => r.IsSuccessStatusCode,
            $"Billing to know account {account}");
        var intentId = (await setup.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("setupIntentId").GetString()!;
        var intent = await _stripeClient.V1.SetupIntents.ConfirmAsync(intentId, new SetupIntentConfirmOptions { PaymentMethod = "pm_card_visa" }, cancellationToken: Ct);
        await Eventually.Returns(
            async () => await billing.PostAsync($"/billing-accounts/{account}/payment-methods/{intent.PaymentMethodId}/default", null, Ct),
            r => r.IsSuccessStatusCode,
            $"card {intent.PaymentMethodId} to become the default of {account}");
    }

    /// <summary>Calls spread over the last hours of this month, 1 in 50 sent twice; returns the distinct calls per company.</summary>
    private async Task<Dictionary<Guid, long>> PublishCallsAsync(List<Guid> companyIds)
    {
        var now = DateTimeOffset.UtcNow;
        var thisHour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        // Ended hours only (so Usage publishes them at once), within this month where the month allows.
        var firstHour = thisHour.AddHours(-3) < monthStart && thisHour > monthStart ? monthStart : thisHour.AddHours(-3);
        var hours = Math.Max(1, (int)(thisHour - firstHour).TotalHours);
        await using var connection = await new ConnectionFactory { Uri = _broker.Amqp }.CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), Ct);
        var sent = companyIds.ToDictionary(c => c, _ => 0L);
        var n = 0;
        foreach (var company in companyIds)
        {
            for (var i = 0; i < CallsPerCompany; i++, n++)
            {
                var handledAt = firstHour.AddHours(i % hours).AddSeconds(i % 3000);
                var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
                {
                    eventId = Guid.NewGuid(),
                    occurredAt = DateTimeOffset.UtcNow,
                    sourceSystem = "pbx-scale",
                    callId = $"{company:N}-{i}",
                    companyId = company,
                    handledAt,
                    durationMs = 42_000,
                }));
                var copies = n % 50 == 0 ? 2 : 1;
                for (var copy = 0; copy < copies; copy++)
                {
                    await channel.BasicPublishAsync("cic.calls", "call.handled", mandatory: true, new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent }, body, Ct);
                }

                sent[company]++;
            }
        }

        return sent;
    }

    private async Task<string?> CustomerOfAsync(Guid account)
    {
        var found = await _stripeClient.V1.Customers.SearchAsync(new CustomerSearchOptions { Query = $"metadata['cic_account_id']:'{account}'" }, cancellationToken: Ct);
        Assert.True(found.Data.Count <= 1, $"account {account} has {found.Data.Count} Stripe customers");
        return found.Data.SingleOrDefault()?.Id;
    }

    private async Task<long> MeteredCallsAsync(string customer)
    {
        var meter = (await _stripeClient.V1.Billing.Meters.ListAsync(cancellationToken: Ct)).Data.Single(m => m.EventName == "calls_handled");
        var now = await ClockNowAsync();
        var summaries = await _stripeClient.V1.Billing.Meters.EventSummaries.ListAsync(meter.Id, new MeterEventSummaryListOptions
        {
            Customer = customer,
            StartTime = now.AddDays(-40),
            EndTime = now.AddDays(1),
        }, cancellationToken: Ct);
        return (long)summaries.Data.Sum(s => s.AggregatedValue);
    }

    private async Task<DateTime> ClockNowAsync() =>
        (await _stripeClient.V1.TestHelpers.TestClocks.GetAsync(_clock.Id, cancellationToken: Ct)).FrozenTime;

    private Task<TestClock> AdvanceClockAsync(DateTimeOffset to) =>
        _stripeClient.AdvanceTestClockAsync(_clock.Id, to, TimeSpan.FromSeconds(60), Ct);

    private DateTimeOffset BillingCycleEnd()
    {
        var start = _clock.FrozenTime;
        return new DateTimeOffset(start.Year, start.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
    }

    private sealed record Instance(string Name, Func<string?, HttpClient> Client, Func<ValueTask> DisposeAsync, ConsumedMessages Consumed);

    /// <summary>
    /// Messages an instance consumed, by type, and the calls it stored (Usage's <c>cic.usage.calls.stored</c>
    /// counter of that instance's meters): evidence that competing consumers shared the work.
    /// </summary>
    private sealed class ConsumedMessages : IConsumeObserver, IDisposable
    {
        private readonly ConcurrentDictionary<string, int> _byType = new();
        private readonly MeterListener _meters = new();
        private long _storedCalls;

        public int Total => _byType.Values.Sum();

        public long StoredCalls => Interlocked.Read(ref _storedCalls);

        public void CountStoredCalls(IMeterFactory instanceMeters)
        {
            _meters.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == instanceMeters && instrument.Name == "cic.usage.calls.stored")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _meters.SetMeasurementEventCallback<long>((_, calls, _, _) => Interlocked.Add(ref _storedCalls, calls));
            _meters.Start();
        }

        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class
        {
            _byType.AddOrUpdate(typeof(T).Name, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;

        public void Dispose() => _meters.Dispose();

        public override string ToString() => string.Join(", ", _byType.Select(p => $"{p.Key}={p.Value}")) + $"; calls stored={StoredCalls}";
    }
}
