using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cic.Contracts.Calls;
using Cic.Usage;
using Cic.Usage.Calls;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Cic.Benchmarks;

/// <summary>
/// ./cic bench ingest: how fast calls go from producers to stored and tallied, one per message and
/// in batches, each next to a limit measured in the same run on the same machine: the bare broker for
/// the one-call-per-message path, the bare database (Usage's own storing statement from a plain client)
/// for the batch path. Every phase checks that each distinct call was stored once and counted once, and
/// fails loudly otherwise.
/// </summary>
public static class IngestBenchmark
{
    private static readonly TimeSpan PhaseLimit = TimeSpan.FromMinutes(5);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var count = options.Number("calls", 200_000);
        var companyCount = options.Number("companies", 500);
        var duplicates = options.Fraction("duplicates", 0.01);
        var batchSize = Math.Clamp(options.Number("batch", 500), 1, CallsHandled.MaxCalls);
        var inFlight = options.Number("in-flight", 1000);
        // The batch phases run long enough to be a figure: at least this many calls and this long.
        var batchCalls = options.Number("batch-calls", 2_000_000);
        var batchSeconds = options.Number("batch-seconds", 20);
        // What the service stores per statement and at once (Usage:Ingest defaults): the raw database phase does the same.
        var perStatement = batchSize * new IngestOptions().CallsHandledBatchSize;
        var connections = options.Number("db-connections", new IngestOptions().ConcurrentBatches);
        // --sequence: every call carries its per-source sequence number (the gap tracker's hot-path cost).
        var sequenced = options.Flag("sequence");

        var servers = BenchServers.Local();
        var stamp = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var database = $"bench_usage_ingest_{stamp}";
        Console.WriteLine($"machine: {BenchServers.Machine()}; {await BenchServers.VersionsAsync(servers)}; all on 127.0.0.1");
        Console.WriteLine($"workload: {count:N0} messages, {companyCount} companies, {duplicates:P0} duplicates, {inFlight} publishes in flight with confirms{(sequenced ? ", sequence numbers on" : "")}");

        // Dropped and deleted at the end unless --keep.
        await using var benchDatabase = await servers.DatabaseAsync(database);
        benchDatabase.Keep = options.Flag("keep");
        await using var broker = await servers.CreateVirtualHostAsync("bench-ingest");
        var amqp = broker.Amqp;
        await using var usage = await ServiceProcess.StartAsync("Usage", "usage-db", benchDatabase.ConnectionString, amqp);
        var companies = Enumerable.Range(0, companyCount).Select(_ => Guid.NewGuid()).ToArray();
        var expected = new Expectation(benchDatabase.ConnectionString);
        var factory = new ConnectionFactory { Uri = amqp };
        // Where the CPU went in each phase: every process shares the same cores.
        CpuProfile Profile() => CpuProfile.Start(
            amqp.Port, new NpgsqlConnectionStringBuilder(servers.Postgres).Port, "usage", usage.Id);
        await using var connection = await factory.CreateConnectionAsync("cic-bench");

        // 1. The bare broker: the same bodies through one quorum queue, publisher confirms, manual acks.
        var plan = Plan(count, duplicates);
        var singleBodies = plan.Select(call => Body(Call("bench-single", call, companies, sequenced))).ToArray();
        var profile = Profile();
        var raw = await RawBrokerAsync(connection, singleBodies, inFlight);
        Report("raw broker (RabbitMQ.Client -> quorum queue -> RabbitMQ.Client)", count, raw.Total, $"{count / raw.Publish.TotalSeconds:N0} msg/s publishing");
        Console.WriteLine("  " + profile.Stop());

        // 2. CallHandled, one per message, as plain JSON from a bare AMQP producer.
        profile = Profile();
        var single = await PublishAndSettleAsync(connection, "cic.calls", "call.handled", singleBodies, inFlight, expected, "bench-single", plan.Distinct().Count());
        Report("single CallHandled, plain JSON producer -> stored and tallied", count, single.Total, $"{count / single.Publish.TotalSeconds:N0} msg/s publishing");
        Console.WriteLine("  " + profile.Stop());

        // 3. CallHandled, one per message, from a MassTransit producer (envelope, MassTransit's publish path).
        double? singleMassTransit = null;
        if (!options.Flag("skip-masstransit"))
        {
            profile = Profile();
            var mt = await MassTransitAsync(amqp, plan, companies, sequenced, inFlight, expected);
            singleMassTransit = count / mt.Total.TotalSeconds;
            Report("single CallHandled, MassTransit producer -> stored and tallied", count, mt.Total, $"{count / mt.Publish.TotalSeconds:N0} msg/s publishing");
            Console.WriteLine("  " + profile.Stop());
        }

        // 4. The bare database: Usage's storing statement from a plain Npgsql client, no broker, no service.
        profile = Profile();
        var rawDb = await RawDatabaseAsync(benchDatabase.ConnectionString, batchCalls, duplicates, companies, sequenced, perStatement, connections, expected);
        Report($"raw database (Usage's storing statement, {perStatement:N0} calls each, {connections} connections, no broker)", rawDb.Calls, rawDb.Total, "stored and tallied");
        Console.WriteLine("  " + profile.Stop());

        // 5. CallsHandled: calls packed by the producer, for at least batchCalls calls and batchSeconds seconds.
        profile = Profile();
        var batch = await BatchAsync(connection, batchCalls, TimeSpan.FromSeconds(batchSeconds), duplicates, companies, sequenced, batchSize, inFlight, expected);
        Report($"batch CallsHandled x{batchSize}, plain JSON producer -> stored and tallied", batch.Calls, batch.Total, $"{batch.Messages:N0} messages in {batch.Rounds} round(s)");
        Console.WriteLine("  " + profile.Stop());

        var singleRate = count / single.Total.TotalSeconds;
        var rawRate = count / raw.Total.TotalSeconds;
        var batchRate = batch.Calls / batch.Total.TotalSeconds;
        var rawDbRate = rawDb.Calls / rawDb.Total.TotalSeconds;
        Console.WriteLine($"usage service peak memory (VmHWM): {usage.PeakMemoryMiB():N0} MiB; load {BenchServers.Load()}");
        if (singleMassTransit is { } mtRate)
        {
            Console.WriteLine($"single via MassTransit producer: {mtRate:F0} calls/s ({mtRate / rawRate:F2} of raw broker)");
        }

        Console.WriteLine(FormattableString.Invariant(
            $"ingest single={singleRate:F0} batch={batchRate:F0} raw_broker={rawRate:F0} raw_db={rawDbRate:F0} single_ratio={singleRate / rawRate:F2} batch_ratio={batchRate / rawDbRate:F2}"));
        return 0;
    }

    /// <summary>Which call each message carries: every call once, and a share of messages repeating an earlier call.</summary>
    private static int[] Plan(int count, double duplicates, int first = 0)
    {
        var every = duplicates > 0 ? (int)Math.Round(1 / duplicates) : int.MaxValue;
        return Enumerable.Range(first, count).Select(i => i % every == every - 1 ? i - (every / 2) : i).ToArray();
    }

    /// <summary>
    /// Rounds of <paramref name="calls"/> calls until both that many calls and <paramref name="minimum"/> time have gone
    /// through (each round's bodies are built before its clock starts, so building them is not measured).
    /// </summary>
    private static async Task<(long Calls, TimeSpan Total, int Messages, int Rounds)> BatchAsync(
        IConnection connection, int calls, TimeSpan minimum, double duplicates, Guid[] companies, bool sequenced, int batchSize, int inFlight, Expectation expected)
    {
        var total = TimeSpan.Zero;
        long sent = 0;
        var messages = 0;
        var rounds = 0;
        var distinct = 0;
        while (total < minimum || sent < calls)
        {
            var plan = Plan(calls, duplicates, first: rounds * calls);
            var bodies = plan.Chunk(batchSize)
                .Select(chunk => Body(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, chunk.Select(call => Call("bench-batch", call, companies, sequenced)).ToList())))
                .ToArray();
            var added = plan.Distinct().Count();
            distinct += added;
            var round = await PublishAndSettleAsync(connection, "cic.calls", "calls.handled", bodies, inFlight, expected, "bench-batch", distinct, added);
            total += round.Total;
            sent += calls;
            messages += bodies.Length;
            rounds++;
        }

        return (sent, total, messages, rounds);
    }

    /// <summary>
    /// What PostgreSQL itself stores, deduplicates and tallies here: the same calls through Usage's own storing statement
    /// (<see cref="CallRecorder"/>), <paramref name="perStatement"/> calls each as the service stores them, on
    /// <paramref name="connections"/> connections at once, from a plain client with no broker and no service.
    /// </summary>
    private static async Task<(long Calls, TimeSpan Total)> RawDatabaseAsync(
        string connectionString, int calls, double duplicates, Guid[] companies, bool sequenced, int perStatement, int connections, Expectation expected)
    {
        var plan = Plan(calls, duplicates);
        var statements = plan.Select(call => Call("bench-rawdb", call, companies, sequenced)).Chunk(perStatement).ToArray();
        var distinct = plan.Distinct().Count();
        expected.Add(distinct);
        var next = -1;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            await using var db = new UsageDb(new DbContextOptionsBuilder<UsageDb>().UseNpgsql(connectionString).Options);
            var recorder = new CallRecorder(db, TimeProvider.System);
            int i;
            while ((i = Interlocked.Increment(ref next)) < statements.Length)
            {
                // As the service does: a deadlock between two statements is retried (the statement is idempotent).
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await recorder.RecordAsync(statements[i], CancellationToken.None);
                        break;
                    }
                    catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < 5)
                    {
                    }
                }
            }
        }));
        var elapsed = stopwatch.Elapsed;
        await expected.VerifyAsync("bench-rawdb", distinct);
        return (calls, elapsed);
    }

    private static HandledCall Call(string source, int call, Guid[] companies, bool sequenced) =>
        new(source, $"call-{call}", companies[call % companies.Length], DateTimeOffset.UtcNow.AddSeconds(-(call % 3000)), 30_000 + (call % 600_000),
            sequenced ? call + 1 : null);

    private static byte[] Body(HandledCall call) => JsonSerializer.SerializeToUtf8Bytes(
        new CallHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, call.SourceSystem, call.CallId, call.CompanyId, call.HandledAt, call.DurationMs, call.Sequence), Json);

    private static byte[] Body(CallsHandled calls) => JsonSerializer.SerializeToUtf8Bytes(calls, Json);

    private static async Task<(TimeSpan Publish, TimeSpan Total)> RawBrokerAsync(IConnection connection, byte[][] bodies, int inFlight)
    {
        const string Queue = "bench-raw";
        await using var consuming = await connection.CreateChannelAsync();
        await consuming.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        await consuming.BasicQosAsync(0, 2000, false);
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(consuming);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var n = ++received;
            if (n % 500 == 0 || n == bodies.Length)
            {
                await consuming.BasicAckAsync(delivery.DeliveryTag, multiple: true);
            }

            if (n == bodies.Length)
            {
                done.TrySetResult();
            }
        };
        await consuming.BasicConsumeAsync(Queue, autoAck: false, consumer);

        var stopwatch = Stopwatch.StartNew();
        var publish = await PublishAsync(connection, "", Queue, bodies, inFlight);
        await done.Task.WaitAsync(PhaseLimit);
        return (publish, stopwatch.Elapsed);
    }

    /// <summary>Publishes the bodies and waits until their <paramref name="added"/> new calls are tallied; the source then holds <paramref name="stored"/> calls.</summary>
    private static async Task<(TimeSpan Publish, TimeSpan Total)> PublishAndSettleAsync(
        IConnection connection, string exchange, string routingKey, byte[][] bodies, int inFlight, Expectation expected, string source, int stored, int? added = null)
    {
        var stopwatch = Stopwatch.StartNew();
        var publishing = PublishAsync(connection, exchange, routingKey, bodies, inFlight);
        expected.Add(added ?? stored);
        await expected.WaitAsync(stopwatch, publishing);
        var total = stopwatch.Elapsed;
        await expected.VerifyAsync(source, stored);
        return (await publishing, total);
    }

    private static async Task<TimeSpan> PublishAsync(IConnection connection, string exchange, string routingKey, byte[][] bodies, int inFlight)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent };
        var stopwatch = Stopwatch.StartNew();
        var pending = new Queue<Task>(inFlight);
        foreach (var body in bodies)
        {
            if (pending.Count >= inFlight)
            {
                await pending.Dequeue();
            }

            pending.Enqueue(channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, body).AsTask());
        }

        await Task.WhenAll(pending);
        return stopwatch.Elapsed;
    }

    private static async Task<(TimeSpan Publish, TimeSpan Total)> MassTransitAsync(Uri amqp, int[] plan, Guid[] companies, bool sequenced, int inFlight, Expectation expected)
    {
        var messages = plan.Select(call => Call("bench-mt", call, companies, sequenced))
            .Select(c => new CallHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, c.SourceSystem, c.CallId, c.CompanyId, c.HandledAt, c.DurationMs, c.Sequence))
            .ToArray();
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(amqp, "cic-bench"));
        await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        try
        {
            var stopwatch = Stopwatch.StartNew();
            var publishing = Task.Run(async () =>
            {
                var pending = new Queue<Task>(inFlight);
                foreach (var message in messages)
                {
                    if (pending.Count >= inFlight)
                    {
                        await pending.Dequeue();
                    }

                    pending.Enqueue(bus.Publish(message));
                }

                await Task.WhenAll(pending);
                return stopwatch.Elapsed;
            });
            var distinct = plan.Distinct().Count();
            expected.Add(distinct);
            await expected.WaitAsync(stopwatch, publishing);
            var total = stopwatch.Elapsed;
            await expected.VerifyAsync("bench-mt", distinct);
            return (await publishing, total);
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    private static void Report(string what, long calls, TimeSpan elapsed, string detail) =>
        Console.WriteLine($"{what}: {calls:N0} in {elapsed.TotalSeconds:F1} s = {calls / elapsed.TotalSeconds:N0} calls/s ({detail})");

    /// <summary>What the database must hold: every distinct call stored once, and the tallies summing to exactly that.</summary>
    private sealed class Expectation(string connectionString)
    {
        private long _calls;

        public void Add(long calls) => _calls += calls;

        public async Task WaitAsync(Stopwatch stopwatch, Task publishing)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            while (true)
            {
                if (publishing.IsFaulted)
                {
                    await publishing;
                }

                var tallied = await TalliedAsync(connection);
                if (tallied == _calls)
                {
                    return;
                }

                if (tallied > _calls)
                {
                    throw new BenchmarkFailedException($"Tallies sum to {tallied:N0}, more than the {_calls:N0} distinct calls sent: calls were counted twice.");
                }

                if (stopwatch.Elapsed > PhaseLimit)
                {
                    throw new BenchmarkFailedException($"After {PhaseLimit} only {tallied:N0} of {_calls:N0} calls are tallied: calls were lost or stuck.");
                }

                await Task.Delay(50);
            }
        }

        public async Task VerifyAsync(string source, long distinct)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var stored = new NpgsqlCommand("SELECT count(*) FROM calls WHERE source_system = $1", connection) { Parameters = { new() { Value = source } } };
            var calls = (long)(await stored.ExecuteScalarAsync())!;
            var tallied = await TalliedAsync(connection);
            if (calls != distinct || tallied != _calls)
            {
                throw new BenchmarkFailedException($"{source}: {calls:N0} calls stored and {tallied:N0} tallied in all, expected {distinct:N0} and {_calls:N0}.");
            }
        }

        private static async Task<long> TalliedAsync(NpgsqlConnection connection)
        {
            await using var command = new NpgsqlCommand("SELECT coalesce(sum(call_count), 0)::bigint FROM usage_windows", connection);
            return (long)(await command.ExecuteScalarAsync())!;
        }
    }
}
