using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Cic.Testing;
using Npgsql;

namespace Cic.Benchmarks;

/// <summary>
/// The local servers ./cic starts, as the tests get them (Cic.Testing's <see cref="TestServers"/>: a database and a
/// virtual host of the benchmark's own), and what a result is measured on.
/// </summary>
public static class BenchServers
{
    /// <summary>The servers ./cic bench started: local ones only, never containers or another machine.</summary>
    public static TestServers Local()
    {
        var servers = TestServers.Local()
            ?? throw new BenchmarkFailedException("CIC_POSTGRES, CIC_RABBITMQ and CIC_RABBITMQ_MANAGEMENT are not set: run benchmarks with ./cic bench, which starts the local servers.");
        if (new NpgsqlConnectionStringBuilder(servers.Postgres).Host is not ("127.0.0.1" or "localhost") || servers.RabbitMq.Host is not ("127.0.0.1" or "localhost"))
        {
            throw new BenchmarkFailedException("Benchmarks run against local servers on 127.0.0.1 only.");
        }

        return servers;
    }

    public static async Task<string> VersionsAsync(TestServers servers)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(servers.Postgres) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        var management = servers.RabbitMqManagement;
        var credentials = management.UserInfo.Split(':').Select(Uri.UnescapeDataString).ToArray();
        using var http = new HttpClient { BaseAddress = new UriBuilder(management) { UserName = "", Password = "", Path = "/" }.Uri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials[0]}:{credentials[1]}")));
        var overview = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("api/overview");
        return $"PostgreSQL {connection.PostgreSqlVersion}, RabbitMQ {overview.GetProperty("rabbitmq_version").GetString()} " +
            $"(Erlang {overview.GetProperty("erlang_version").GetString()})";
    }

    /// <summary>The machine's load average over the last minute, to state beside every figure.</summary>
    public static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    public static string Machine()
    {
        var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal));
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        var kb = long.Parse(memory.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        return $"{Environment.ProcessorCount} cores ({model}), {kb / 1024 / 1024.0:0.#} GiB RAM, .NET {Environment.Version}";
    }
}

/// <summary>A service (Usage, Billing) as its own process, built by ./cic, so its memory and CPU are its own.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServiceProcess(Process process) => _process = process;

    /// <summary>Where the service listens: the port Kestrel bound itself (port 0), as its start-up log tells.</summary>
    public Uri Address { get; private set; } = null!;

    public int Id => _process.Id;

    /// <summary>The services run as this benchmark was built: Release under <c>./cic bench</c>, as in production.</summary>
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    /// <param name="service">The service's folder under services/, e.g. <c>Usage</c>.</param>
    /// <param name="databaseName">The connection string name its database goes by, e.g. <c>usage-db</c>.</param>
    public static async Task<ServiceProcess> StartAsync(
        string service, string databaseName, string database, Uri broker, IDictionary<string, string>? settings = null)
    {
        var root = Environment.GetEnvironmentVariable("CIC_REPO_ROOT") ?? Directory.GetCurrentDirectory();
        var dll = Path.Combine(root, "services", service, "bin", Configuration, "net10.0", $"Cic.{service}.dll");
        if (!File.Exists(dll))
        {
            throw new BenchmarkFailedException($"{dll} is missing: build the solution first (./cic bench builds it).");
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        foreach (var argument in new[] { dll, "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[$"ConnectionStrings__{databaseName}"] = database;
        start.Environment["ConnectionStrings__messaging"] = broker.ToString();
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // "Now listening on: http://127.0.0.1:<port>": the one start-up line that says which port Kestrel got.
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var log = new StringBuilder();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (e.Data?.IndexOf("Now listening on: ", StringComparison.Ordinal) is >= 0 and var at)
            {
                listening.TrySetResult(new Uri(e.Data[(at + "Now listening on: ".Length)..].Trim()));
            }
        };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var started = new ServiceProcess(process);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!listening.Task.IsCompleted)
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await started.DisposeAsync();
                throw new BenchmarkFailedException($"The {service} service did not say where it listens:\n{log}");
            }

            await Task.Delay(100);
        }

        started.Address = await listening.Task;
        using var http = new HttpClient { BaseAddress = started.Address, Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (process.HasExited)
            {
                throw new BenchmarkFailedException($"The {service} service exited during start-up:\n{log}");
            }

            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return started;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // busy migrating
            }

            if (DateTime.UtcNow > deadline)
            {
                await started.DisposeAsync();
                throw new BenchmarkFailedException($"The {service} service did not become healthy within 2 minutes:\n{log}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>CPU time the process has used so far (user and system).</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>The process's peak resident memory so far (VmHWM), in MiB.</summary>
    public double PeakMemoryMiB()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: the orderly shutdown a deployment does.
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(45));
            try
            {
                await _process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }
}
