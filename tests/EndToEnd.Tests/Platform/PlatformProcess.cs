using System.Diagnostics;
using System.Globalization;

namespace Cic.EndToEnd.Tests.Platform;

/// <summary>
/// One program of the running platform as its own operating-system process, started the way
/// <c>./cic up</c> starts it (<c>dotnet &lt;dll&gt; --urls … --contentRoot …</c> with its settings in
/// environment variables), its output appended to a log file. Stopping sends SIGTERM, as Kubernetes
/// does; starting again reuses the same port, settings and database.
/// </summary>
public sealed class PlatformProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(45);

    private readonly string _fileName;
    private readonly IReadOnlyList<string> _arguments;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string? _healthPath;
    private Process? _process;
    private StreamWriter? _log;

    private PlatformProcess(string name, string fileName, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, int port, string? healthPath, string logFile)
    {
        Name = name;
        _fileName = fileName;
        _arguments = arguments;
        _environment = environment;
        Port = port;
        _healthPath = healthPath;
        LogFile = logFile;
    }

    public string Name { get; }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    /// <summary>Everything the process wrote, across restarts.</summary>
    public string LogFile { get; }

    /// <summary>How many times it has been started.</summary>
    public int Starts { get; private set; }

    /// <summary>A .NET program from the repository's build output, e.g. <c>services/Usage</c> → <c>Cic.Usage.dll</c>.</summary>
    public static PlatformProcess DotNet(string name, string projectFolder, string assembly, int port, IReadOnlyDictionary<string, string> environment, string logFolder)
    {
        var root = Cic.Testing.RepositoryRoot.Find();
        var dll = Path.Combine(root, projectFolder, "bin", "Debug", "net10.0", assembly + ".dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution first (./cic test does; or dotnet build tests/EndToEnd.Tests).");
        }

        return new PlatformProcess(
            name, "dotnet", [dll, "--urls", $"http://127.0.0.1:{port}", "--contentRoot", Path.Combine(root, projectFolder)],
            environment, port, "/health", Path.Combine(logFolder, name + ".log"));
    }

    /// <summary>Any other program, e.g. the local SMTP sink; ready once its port accepts connections.</summary>
    public static PlatformProcess Other(string name, string fileName, IReadOnlyList<string> arguments, int port, string logFolder) =>
        new(name, fileName, arguments, new Dictionary<string, string>(), port, null, Path.Combine(logFolder, name + ".log"));

    /// <summary>Starts the process and returns once it answers: <c>/health</c> is 200 (its database migrated, its queues bound).</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException($"{Name} is already running.");
        }

        var start = new ProcessStartInfo(_fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Cic.Testing.RepositoryRoot.Find(),
        };
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        _log ??= new StreamWriter(LogFile, append: true) { AutoFlush = true };
        Starts++;
        Write($"==== start #{Starts} at {DateTimeOffset.UtcNow:O}: {_fileName} {string.Join(' ', _arguments)}");
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Name}.");
        process.OutputDataReceived += (_, line) => Write(line.Data);
        process.ErrorDataReceived += (_, line) => Write(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await AnswersAsync(http))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited during start-up (code {process.ExitCode}):\n{Tail()}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{Name} did not become healthy within {StartTimeout.TotalMinutes:0} minutes:\n{Tail()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>SIGTERM, then waits for the orderly shutdown to finish (killing it only if it hangs).</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        if (!process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var patience = new CancellationTokenSource(StopTimeout);
            try
            {
                await process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                Write($"==== did not stop within {StopTimeout.TotalSeconds:0}s of SIGTERM; killed");
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        Write($"==== exited with code {process.ExitCode} at {DateTimeOffset.UtcNow:O}");
        process.Dispose();
        _process = null;
    }

    /// <summary>What a deployment does to one instance: stop it (SIGTERM) and start it again on the same port and database.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    /// <summary>The last lines of the log, for failure messages.</summary>
    public string Tail(int lines = 40)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(no log: {e.Message})";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_log is not null)
        {
            await _log.DisposeAsync();
        }
    }

    private void Write(string? line)
    {
        if (line is null || _log is null)
        {
            return;
        }

        lock (_log)
        {
            _log.WriteLine(line);
        }
    }

    private async Task<bool> AnswersAsync(HttpClient http)
    {
        if (_healthPath is null)
        {
            using var client = new System.Net.Sockets.TcpClient();
            try
            {
                await client.ConnectAsync(System.Net.IPAddress.Loopback, Port);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }

        try
        {
            return (await http.GetAsync(_healthPath)).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
        catch (TaskCanceledException)
        {
            return false; // busy starting
        }
    }
}
