using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Cic.Benchmarks;

/// <summary>The local servers ./cic starts, and a database and virtual host of the benchmark's own on them.</summary>
public sealed class BenchServers : IDisposable
{
    private readonly HttpClient _management;

    private BenchServers(string postgres, Uri rabbitMq, Uri management)
    {
        Postgres = postgres;
        RabbitMq = rabbitMq;
        var credentials = management.UserInfo.Split(':').Select(Uri.UnescapeDataString).ToArray();
        _management = new HttpClient { BaseAddress = new UriBuilder(management) { UserName = "", Password = "", Path = "/" }.Uri };
        _management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials[0]}:{credentials[1]}")));
    }

    public string Postgres { get; }

    public Uri RabbitMq { get; }

    public static BenchServers FromEnvironment()
    {
        string Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new BenchmarkFailedException($"{name} is not set: run benchmarks with ./cic bench, which starts the local servers.");
        var servers = new BenchServers(Get("CIC_POSTGRES"), new Uri(Get("CIC_RABBITMQ")), new Uri(Get("CIC_RABBITMQ_MANAGEMENT")));
        var host = new NpgsqlConnectionStringBuilder(servers.Postgres).Host;
        if (host is not ("127.0.0.1" or "localhost") || servers.RabbitMq.Host is not ("127.0.0.1" or "localhost"))
        {
            throw new BenchmarkFailedException("Benchmarks run against local servers on 127.0.0.1 only.");
        }

        return servers;
    }

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder(Postgres) { Database = database }.ConnectionString;

    /// <summary>Creates the database unless it exists; returns whether it was created.</summary>
    public async Task<bool> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand($"SELECT 1 FROM pg_database WHERE datname = '{name}'", connection);
        if (await exists.ExecuteScalarAsync() is not null)
        {
            return false;
        }

        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return true;
    }

    public async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>A new virtual host; returns its amqp:// URI.</summary>
    public async Task<Uri> CreateVirtualHostAsync(string name)
    {
        var user = Uri.UnescapeDataString(RabbitMq.UserInfo.Split(':')[0]);
        (await _management.PutAsync($"api/vhosts/{Uri.EscapeDataString(name)}", null)).EnsureSuccessStatusCode();
        (await _management.PutAsJsonAsync(
            $"api/permissions/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(user)}",
            new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        return new UriBuilder(RabbitMq) { Path = "/" + Uri.EscapeDataString(name) }.Uri;
    }

    public async Task DeleteVirtualHostAsync(string name) => await _management.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(name)}");

    public async Task<string> VersionsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        var overview = await _management.GetFromJsonAsync<System.Text.Json.JsonElement>("api/overview");
        return $"PostgreSQL {connection.PostgreSqlVersion}, RabbitMQ {overview.GetProperty("rabbitmq_version").GetString()} " +
            $"(Erlang {overview.GetProperty("erlang_version").GetString()})";
    }

    public static string Machine()
    {
        var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal));
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        var kb = long.Parse(memory.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        return $"{Environment.ProcessorCount} cores ({model}), {kb / 1024 / 1024.0:0.#} GiB RAM, .NET {Environment.Version}";
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _management.Dispose();
}

/// <summary>A service (Usage, Billing) as its own process, built by ./cic, so its memory and CPU are its own.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int Id => _process.Id;

    /// <param name="service">The service's folder under services/, e.g. <c>Usage</c>.</param>
    /// <param name="databaseName">The connection string name its database goes by, e.g. <c>usage-db</c>.</param>
    public static async Task<ServiceProcess> StartAsync(
        string service, string databaseName, string database, Uri broker, IDictionary<string, string>? settings = null)
    {
        var root = Environment.GetEnvironmentVariable("CIC_REPO_ROOT") ?? Directory.GetCurrentDirectory();
        var dll = Path.Combine(root, "services", service, "bin", "Debug", "net10.0", $"Cic.{service}.dll");
        if (!File.Exists(dll))
        {
            throw new BenchmarkFailedException($"{dll} is missing: build the solution first (./cic bench builds it).");
        }

        var port = BenchServers.FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        foreach (var argument in new[] { dll, "--urls", $"http://127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[$"ConnectionStrings__{databaseName}"] = database;
        start.Environment["ConnectionStrings__messaging"] = broker.ToString();
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var started = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = started.Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(2);
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
