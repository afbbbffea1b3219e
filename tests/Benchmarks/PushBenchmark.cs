using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cic.Billing.UsagePush;
using Cic.StripeEmulator.Dashboard;
using Cic.StripeEmulator.Hosting;
using Cic.Testing;
using Npgsql;
using NpgsqlTypes;
using Stripe;

namespace Cic.Benchmarks;

/// <summary>
/// ./cic bench push: a month-end (or after-an-outage) backlog of hourly usage waiting to reach Stripe, drained by one
/// or two Billing instances against the Stripe emulator enforcing Stripe's rate limits as Stripe does (429). Reports
/// pushes per second as a ratio of the limit, the 429s received, the meter events Stripe recorded (one per window
/// with usage, never more) and the time to drain.
/// </summary>
public static class PushBenchmark
{
    private const string MeterEventName = "calls_handled_bench";
    private const string PriceLookupKey = "cic_calls_handled_bench";
    private static readonly TimeSpan DrainLimit = TimeSpan.FromHours(1);

    /// <summary>Stripe's limits: all requests per second, and meter-event requests per second counted apart (0 = with the rest).</summary>
    private sealed record Scenario(string Name, double RequestsPerSecond, double MeterEventsPerSecond)
    {
        /// <summary>The limit meter events are held to.</summary>
        public double PushLimit => MeterEventsPerSecond > 0 ? MeterEventsPerSecond : RequestsPerSecond;
    }

    private static readonly Scenario[] Scenarios =
    [
        new("test-mode", RequestsPerSecond: 25, MeterEventsPerSecond: 0),
        new("live-like", RequestsPerSecond: 100, MeterEventsPerSecond: 1000),
    ];

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var accounts = options.Number("accounts", 2000);
        var hours = options.Number("hours", 24);
        var scenarioName = options.Text("scenario", "all");
        var instanceCounts = options.Text("instances", "1,2").Split(',').Select(i => int.Parse(i, CultureInfo.InvariantCulture)).ToArray();
        var scenarios = Scenarios.Where(s => scenarioName == "all" || s.Name == scenarioName).ToList();
        if (scenarios.Count == 0)
        {
            throw new BenchmarkFailedException($"--scenario is one of: all, {string.Join(", ", Scenarios.Select(s => s.Name))}.");
        }

        var servers = BenchServers.Local();
        Console.WriteLine($"machine: {BenchServers.Machine()}; {await BenchServers.VersionsAsync(servers)}; all on 127.0.0.1; load {BenchServers.Load()}");
        Console.WriteLine($"backlog: {accounts:N0} billing accounts x {hours} hourly windows, each account with its Stripe customer and subscription");
        var lines = new List<string>();
        foreach (var scenario in scenarios)
        {
            foreach (var instances in instanceCounts)
            {
                lines.Add(await RunOnceAsync(servers, scenario, instances, accounts, hours, options.Flag("keep")));
            }
        }

        foreach (var line in lines)
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    private static async Task<string> RunOnceAsync(TestServers servers, Scenario scenario, int instances, int accountCount, int hours, bool keep)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        // Dropped and deleted at the end unless --keep.
        await using var benchDatabase = await servers.DatabaseAsync($"bench_billing_push_{stamp}");
        benchDatabase.Keep = keep;
        var database = benchDatabase.ConnectionString;
        await using var broker = await servers.CreateVirtualHostAsync("bench-push");
        var amqp = broker.Amqp;
        await using var stripe = await StripeEmulatorHost.StartAsync(new StripeEmulatorOptions
        {
            Dashboard = new DashboardOptions { Calls = new CallsCatalogOptions { MeterEventName = MeterEventName, PriceLookupKey = PriceLookupKey, UnitAmount = 2 } },
        });
        var settings = new Dictionary<string, string>
        {
            ["Stripe__SecretKey"] = StripeEmulatorHost.DefaultApiKey,
            ["Stripe__ApiBase"] = stripe.ApiBase,
            ["Stripe__PriceLookupKey"] = PriceLookupKey,
            ["Stripe__MeterEventName"] = MeterEventName,
            ["Stripe__WebhookSecret"] = "whsec_bench",
            // Billing is told Stripe's limits, which all its instances share.
            ["Stripe__RequestsPerSecond"] = scenario.RequestsPerSecond.ToString(CultureInfo.InvariantCulture),
            ["Stripe__MeterEventsPerSecond"] = scenario.MeterEventsPerSecond.ToString(CultureInfo.InvariantCulture),
        };

        // Billing creates its schema as it starts; the backlog is written before the measured instances start.
        await (await ServiceProcess.StartAsync("Billing", "billing-db", database, amqp, settings)).DisposeAsync();
        var backlog = await SeedAsync(stripe, database, accountCount, hours);

        await stripe.ControlAsync("/_emulator/rate-limits",
        [
            new("requests_per_second", scenario.RequestsPerSecond.ToString(CultureInfo.InvariantCulture)),
            new("meter_events_per_second", scenario.MeterEventsPerSecond.ToString(CultureInfo.InvariantCulture)),
        ]);

        // The periodic reconciliation re-reads every customer at start; held off (as while another instance runs it) so the figure is the push's.
        await using var reconciliationHeld = await HoldPassAsync(database, "cic-billing-reconciliation");
        var launched = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var billing = new List<ServiceProcess>();
        try
        {
            for (var i = 0; i < instances; i++)
            {
                billing.Add(await ServiceProcess.StartAsync("Billing", "billing-db", database, amqp, settings));
            }

            var cpuBefore = billing.Select(b => b.CpuTime()).ToList();
            var drained = await DrainAsync(database, backlog.Windows, launched);
            var cpu = billing.Select((b, i) => (b.CpuTime() - cpuBefore[i]).TotalSeconds).Sum();
            var (events, value) = stripe.MeterEventTotals(MeterEventName);
            using var http = new HttpClient { BaseAddress = stripe.BaseUrl };
            var limits = JsonDocument.Parse(await http.GetStringAsync("/_emulator/rate-limits")).RootElement;
            var admitted = limits.GetProperty("admitted").GetInt64();
            var limited = limits.GetProperty("limited").GetInt64();
            if (events != backlog.Windows || value != backlog.Calls)
            {
                throw new BenchmarkFailedException(
                    $"Stripe recorded {events:N0} meter events of {value:N0} calls; the backlog was {backlog.Windows:N0} windows of {backlog.Calls:N0} calls.");
            }

            var steady = drained.LastSent - drained.FirstSent;
            var rate = (backlog.Windows - 1) / steady.TotalSeconds;
            Console.WriteLine(
                $"{scenario.Name}, {instances} Billing instance(s): {backlog.Windows:N0} meter events in {drained.Total.TotalSeconds:F0} s from launch "
                + $"({steady.TotalSeconds:F0} s first to last push) = {rate:F1} pushes/s = {rate / scenario.PushLimit:F2} of the {scenario.PushLimit:N0}/s limit; "
                + $"{limited:N0} of {admitted + limited:N0} requests answered 429 ({(double)limited / Math.Max(1, admitted + limited):P1}); "
                + $"Stripe recorded {events:N0} events = windows with usage; Billing CPU {cpu:F0} s; load {BenchServers.Load()}");
            return FormattableString.Invariant(
                $"push scenario={scenario.Name} instances={instances} windows={backlog.Windows} pushes_per_s={rate:F1} ratio={rate / scenario.PushLimit:F2} http_429={limited} requests={admitted + limited} drain_s={drained.Total.TotalSeconds:F0} started={started:HH:mm:ss}");
        }
        finally
        {
            foreach (var instance in billing)
            {
                await instance.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The accounts (companies billed on their own) with their Stripe customers and subscriptions made as Billing makes
    /// them, and a tally for each of the last <paramref name="hours"/> hours with its push waiting to be sent.
    /// </summary>
    private static async Task<(int Windows, long Calls)> SeedAsync(StripeEmulatorHost stripe, string connectionString, int accountCount, int hours)
    {
        var client = stripe.CreateClient();
        var price = (await client.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = [PriceLookupKey] })).Data.Single();
        var now = DateTimeOffset.UtcNow;
        var anchor = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        var accounts = new (Guid Id, string Customer, string Subscription, DateTimeOffset Started)[accountCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, accountCount), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var id = Guid.NewGuid();
            var metadata = new Dictionary<string, string> { ["cic_account_id"] = id.ToString(), ["cic_account_kind"] = "company" };
            var customer = await client.V1.Customers.CreateAsync(new CustomerCreateOptions { Name = $"Bench company {i}", Metadata = metadata }, cancellationToken: ct);
            var subscription = await client.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
            {
                Customer = customer.Id,
                Items = [new SubscriptionItemOptions { Price = price.Id }],
                BillingCycleAnchor = anchor.UtcDateTime,
                ProrationBehavior = "none",
                Metadata = new Dictionary<string, string> { ["cic_account_id"] = id.ToString() },
            }, cancellationToken: ct);
            accounts[i] = (id, customer.Id, subscription.Id, new DateTimeOffset(DateTime.SpecifyKind(subscription.StartDate, DateTimeKind.Utc)));
        });

        // Usage that started before the subscriptions would be reported at their start: the backlog is the last hours, after it.
        var firstHour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-hours);
        var random = new Random(20261204);
        var windows = accounts.SelectMany(a => Enumerable.Range(0, hours).Select(h => (Account: a, Start: firstHour.AddHours(h), Calls: (long)random.Next(1, 5000)))).ToList();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO billing_accounts (id, kind, name, created_at, stripe_customer_id, customer_created_at, stripe_subscription_id, subscription_started_at, delinquent, synced_at)
            SELECT id, 'Company', 'Bench company ' || n, @now, customer, @now, subscription, started, false, @now
            FROM unnest(@ids, @customers, @subscriptions, @started) WITH ORDINALITY AS a (id, customer, subscription, started, n);
            INSERT INTO billing_arrangements (company_id, effective_from, payer_kind, payer_id, version)
            SELECT id, @since, 'Company', id, 1 FROM unnest(@ids) AS a (id);
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue("now", now);
            insert.Parameters.AddWithValue("since", firstHour.AddMonths(-1));
            insert.Parameters.AddWithValue("ids", accounts.Select(a => a.Id).ToArray());
            insert.Parameters.AddWithValue("customers", accounts.Select(a => a.Customer).ToArray());
            insert.Parameters.AddWithValue("subscriptions", accounts.Select(a => a.Subscription).ToArray());
            insert.Parameters.Add(new NpgsqlParameter("started", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = accounts.Select(a => a.Started.UtcDateTime).ToArray() });
            await insert.ExecuteNonQueryAsync();
        }

        await using (var insert = new NpgsqlCommand("""
            INSERT INTO billable_hours (company_id, window_start, window_end, call_count, revision, payer_id, updated_at)
            SELECT company, start, start + interval '1 hour', calls, 1, company, @now FROM unnest(@companies, @starts, @calls) AS w (company, start, calls);
            INSERT INTO meter_pushes (identifier, company_id, window_start, revision, calls, payer_id, created_at, next_attempt_at, attempts)
            SELECT identifier, company, start, 1, calls, company, @now, @now, 0 FROM unnest(@identifiers, @companies, @starts, @calls) AS p (identifier, company, start, calls);
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue("now", now);
            insert.Parameters.AddWithValue("identifiers", windows.Select(w => MeterPushIdentifier.For(w.Account.Id, w.Start, 1)).ToArray());
            insert.Parameters.AddWithValue("companies", windows.Select(w => w.Account.Id).ToArray());
            insert.Parameters.Add(new NpgsqlParameter("starts", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = windows.Select(w => w.Start.UtcDateTime).ToArray() });
            insert.Parameters.AddWithValue("calls", windows.Select(w => w.Calls).ToArray());
            await insert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return (windows.Count, windows.Sum(w => w.Calls));
    }

    /// <summary>Waits until every push is sent; fails if one is refused for good or the backlog does not drain.</summary>
    private static async Task<(TimeSpan Total, DateTimeOffset FirstSent, DateTimeOffset LastSent)> DrainAsync(string connectionString, int windows, Stopwatch launched)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var progress = new NpgsqlCommand(
            "SELECT count(sent_at), count(rejected_at), min(sent_at), max(sent_at) FROM meter_pushes", connection);
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            await using var reader = await progress.ExecuteReaderAsync();
            await reader.ReadAsync();
            var (sent, rejected) = (reader.GetInt64(0), reader.GetInt64(1));
            if (rejected > 0)
            {
                throw new BenchmarkFailedException($"Stripe refused {rejected:N0} pushes for good.");
            }

            if (sent == windows)
            {
                return (launched.Elapsed, reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3));
            }

            if (launched.Elapsed > DrainLimit)
            {
                throw new BenchmarkFailedException($"After {DrainLimit} only {sent:N0} of {windows:N0} pushes are sent.");
            }

            if (launched.Elapsed - lastReport > TimeSpan.FromMinutes(5))
            {
                lastReport = launched.Elapsed;
                Console.WriteLine($"  {launched.Elapsed.TotalMinutes:F0} min: {sent:N0} of {windows:N0} pushes sent; load {BenchServers.Load()}");
            }

            await reader.DisposeAsync();
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Holds a periodic pass's lock (as an instance running it would, hashed as <c>PostgresLocks</c> does) until disposed.</summary>
    private static async Task<NpgsqlConnection> HoldPassAsync(string connectionString, string key)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended(@key, 0))", connection);
        take.Parameters.AddWithValue("key", key);
        await take.ExecuteScalarAsync();
        return connection;
    }
}
