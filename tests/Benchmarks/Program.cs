using Cic.Benchmarks;

// ./cic bench <name> [options]: each benchmark runs against the local servers (CIC_POSTGRES,
// CIC_RABBITMQ, CIC_RABBITMQ_MANAGEMENT), in a database and virtual host of its own, on 127.0.0.1 only.
var name = args.FirstOrDefault();
var options = BenchOptions.Parse(args.Skip(1));
try
{
    return name switch
    {
        "ingest" => await IngestBenchmark.RunAsync(options),
        "history" => await HistoryBenchmark.RunAsync(options),
        "push" => await PushBenchmark.RunAsync(options),
        _ => Usage(),
    };
}
catch (BenchmarkFailedException e)
{
    Console.Error.WriteLine($"BENCHMARK FAILED: {e.Message}");
    return 1;
}

static int Usage()
{
    Console.WriteLine("""
        ./cic bench ingest  [--calls 200000] [--companies 500] [--duplicates 0.01] [--batch 500] [--in-flight 1000] [--sequence]
                            [--batch-calls 2000000] [--batch-seconds 20] [--db-connections 2] [--skip-masstransit] [--keep]
            CallHandled one per message (plain JSON and MassTransit producers) next to the bare broker's ceiling, and
            CallsHandled batches (at least --batch-calls calls and --batch-seconds seconds) next to the bare database's
            (Usage's storing statement from a plain client); --sequence numbers every call. Prints calls/s, the Usage
            process's peak memory, and finally 'ingest single=… batch=… raw_broker=… raw_db=… single_ratio=… batch_ratio=…'.
        ./cic bench push    [--accounts 2000] [--hours 24] [--scenario all|test-mode|live-like] [--instances 1,2] [--keep]
            A backlog of hourly usage waiting for Stripe, drained by 1 and 2 Billing instances against the emulator
            enforcing Stripe's limits (test mode: 25 requests/s; live-like: 100 requests/s, 1,000 meter events/s) with
            429s; one line per run: 'push scenario=… instances=… pushes_per_s=… ratio=… http_429=… drain_s=…'.
        ./cic bench history [--calls 10000000] [--companies 2000] [--requests 500] [--keep]
            Call history page and month total latency (median, p99) over the HTTP API at 10 million stored calls.
            --keep leaves the generated database for a rerun, which then skips generating it.
        """);
    return 2;
}
