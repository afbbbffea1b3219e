using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Cic.Benchmarks;

/// <summary>
/// ./cic bench history: the latency of what a dispute needs, over the HTTP API, with 10 million
/// calls stored: one company-month page of call history (first page, and a next page by cursor)
/// and the month's usage total.
/// </summary>
public static class HistoryBenchmark
{
    private const string Database = "bench_usage_history";
    private static readonly DateTimeOffset MonthStart = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var calls = options.Number("calls", 10_000_000);
        var companyCount = options.Number("companies", 2000);
        var requests = options.Number("requests", 500);

        var servers = BenchServers.Local();
        Console.WriteLine($"machine: {BenchServers.Machine()}; {await BenchServers.VersionsAsync(servers)}; all on 127.0.0.1");
        var key = RandomNumberGenerator.GetBytes(32);
        // Dropped and deleted at the end unless --keep.
        await using var database = await servers.DatabaseAsync(Database);
        database.Keep = options.Flag("keep");
        await using var broker = await servers.CreateVirtualHostAsync("bench-history");
        var amqp = broker.Amqp;
        var connectionString = database.ConnectionString;
        // The service migrates the database at start-up; the rows are generated behind its back.
        await using var usage = await ServiceProcess.StartAsync("Usage", "usage-db", connectionString, amqp, new Dictionary<string, string>
        {
            ["Authentication__Schemes__Bearer__ValidIssuer"] = "cic-bench",
            ["Authentication__Schemes__Bearer__ValidAudiences__0"] = "cic-portal",
            ["Authentication__Schemes__Bearer__SigningKeys__0__Issuer"] = "cic-bench",
            ["Authentication__Schemes__Bearer__SigningKeys__0__Value"] = Convert.ToBase64String(key),
        });
        await GenerateAsync(connectionString, calls, companyCount);

        var companies = await CompaniesAsync(connectionString);
        using var http = new HttpClient { BaseAddress = usage.Address, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", StaffToken(key));
        var from = MonthStart.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var to = MonthStart.AddMonths(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        var random = new Random(42);
        string Pick() => companies[random.Next(companies.Count)];
        string PageUrl(string company) => $"/companies/{company}/calls?from={from}&to={to}&limit=100";
        string TotalUrl(string company) => $"/companies/{company}/usage?from={from}&to={to}&granularity=month";

        for (var i = 0; i < 50; i++)
        {
            (await http.GetAsync(PageUrl(Pick()))).EnsureSuccessStatusCode();
            (await http.GetAsync(TotalUrl(Pick()))).EnsureSuccessStatusCode();
        }

        var firstPage = new List<double>();
        var nextPage = new List<double>();
        var total = new List<double>();
        long rows = 0;
        for (var i = 0; i < requests; i++)
        {
            var company = Pick();
            var (page, pageMs) = await TimedAsync<JsonElement>(http, PageUrl(company));
            firstPage.Add(pageMs);
            rows += page.GetProperty("calls").GetArrayLength();
            var cursor = page.GetProperty("nextCursor").GetString()
                ?? throw new BenchmarkFailedException($"Company {company} has a single page in the month; the data is not as generated.");
            nextPage.Add((await TimedAsync<JsonElement>(http, PageUrl(company) + "&cursor=" + cursor)).Ms);
            var (usageReport, totalMs) = await TimedAsync<JsonElement>(http, TotalUrl(company));
            total.Add(totalMs);
            if (usageReport.GetProperty("totalCalls").GetInt64() <= 0)
            {
                throw new BenchmarkFailedException($"Company {company} shows no usage in the month.");
            }
        }

        Console.WriteLine($"{requests} requests each, sequential, over HTTP with a staff token, companies picked at random; {rows / (double)requests:F0} calls per page");
        Print("call history, first page of a company-month (100 calls)", firstPage);
        Print("call history, next page by cursor", nextPage);
        Print("usage total of a company-month (billing cycle)", total);
        Console.WriteLine($"usage service peak memory (VmHWM): {usage.PeakMemoryMiB():N0} MiB");
        Console.WriteLine(FormattableString.Invariant(
            $"history page_p50_ms={Percentile(firstPage, 0.5):F1} page_p99_ms={Percentile(firstPage, 0.99):F1} total_p50_ms={Percentile(total, 0.5):F1} total_p99_ms={Percentile(total, 0.99):F1}"));
        return 0;
    }

    private static async Task GenerateAsync(string connectionString, int calls, int companies)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        if (await ScalarAsync(connection, "SELECT count(*) FROM calls") == calls
            && await ScalarAsync(connection, "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_calls_history'") == 1
            && await ScalarAsync(connection, "SELECT count(*) FROM usage_windows") > 0)
        {
            Console.WriteLine($"reusing the {calls:N0} calls already in {Database}");
            return;
        }

        var stopwatch = Stopwatch.StartNew();
        // One set-based statement, indexes built afterwards: far faster than maintaining them row by row.
        await ExecuteAsync(connection, $"""
            SET maintenance_work_mem = '1GB';
            TRUNCATE calls, usage_windows;
            DROP INDEX IF EXISTS ix_calls_history;
            ALTER TABLE calls DROP CONSTRAINT IF EXISTS pk_calls;
            WITH ids AS (SELECT array_agg(gen_random_uuid()) AS a FROM generate_series(1, {companies}))
            INSERT INTO calls (source_system, call_id, company_id, handled_at, duration_ms, received_at)
            SELECT 'bench-' || (g % 3), 'call-' || g, (SELECT a FROM ids)[g % {companies} + 1], h, 30000 + g % 600000, h + interval '2 seconds'
            FROM (SELECT g, timestamptz '2026-08-01 00:00:00+00' + random() * interval '92 days' AS h
                  FROM generate_series(0, {calls - 1}) g) generated;
            """);
        Console.WriteLine($"generated {calls:N0} calls over {companies:N0} companies (Aug-Oct 2026) in {stopwatch.Elapsed.TotalSeconds:F0} s");
        await ExecuteAsync(connection, """
            SET maintenance_work_mem = '1GB';
            ALTER TABLE calls ADD CONSTRAINT pk_calls PRIMARY KEY (source_system, call_id);
            CREATE INDEX ix_calls_history ON calls (company_id, handled_at, source_system, call_id) INCLUDE (duration_ms, received_at);
            INSERT INTO usage_windows (company_id, window_start, call_count, published_count, revision, published_at)
            SELECT company_id, date_bin('1 hour', handled_at, timestamptz '2000-01-01 00:00:00+00'), count(*), count(*), 1, now()
            FROM calls GROUP BY 1, 2;
            """);
        // VACUUM refuses to run inside a multi-statement command; it also sets the visibility map that index-only scans need.
        await ExecuteAsync(connection, "VACUUM ANALYZE calls");
        await ExecuteAsync(connection, "VACUUM ANALYZE usage_windows");
        Console.WriteLine($"indexes, tallies and statistics ready after {stopwatch.Elapsed.TotalSeconds:F0} s");
    }

    private static async Task<List<string>> CompaniesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT DISTINCT company_id FROM usage_windows", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var companies = new List<string>();
        while (await reader.ReadAsync())
        {
            companies.Add(reader.GetGuid(0).ToString());
        }

        return companies;
    }

    private static async Task<(T Value, double Ms)> TimedAsync<T>(HttpClient http, string url)
    {
        var stopwatch = Stopwatch.StartNew();
        using var response = await http.GetAsync(url);
        response.EnsureSuccessStatusCode();
        var value = await response.Content.ReadFromJsonAsync<T>();
        return (value!, stopwatch.Elapsed.TotalMilliseconds);
    }

    private static void Print(string what, List<double> milliseconds) =>
        Console.WriteLine($"{what}: median {Percentile(milliseconds, 0.5):F1} ms, p99 {Percentile(milliseconds, 0.99):F1} ms, max {milliseconds.Max():F1} ms");

    private static double Percentile(List<double> values, double percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 1800 };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>An HS256 token the benchmark's service instance accepts: staff, so the measurement is not of the membership check alone.</summary>
    private static string StaffToken(byte[] key)
    {
        static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = "bench-staff",
            ["role"] = "staff",
            ["iss"] = "cic-bench",
            ["aud"] = "cic-portal",
            ["nbf"] = now - 60,
            ["iat"] = now - 60,
            ["exp"] = now + 3600,
        }));
        var signature = Encode(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"{header}.{payload}")));
        return $"{header}.{payload}.{signature}";
    }
}
