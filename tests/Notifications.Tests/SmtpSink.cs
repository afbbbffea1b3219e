using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cic.Testing;
using MimeKit;

namespace Cic.Notifications.Tests;

/// <summary>
/// A real SMTP server on a loopback port it binds itself (port 0; it reports the one it got): the project's
/// <c>deploy/local/smtp-sink.py</c>, which stores every message it accepts as a file. Tests read what was sent, and stop and restart it to
/// make an outage. Recipients at <see cref="RejectingDomain"/> are refused for good (550), those at
/// <see cref="DeferringDomain"/> always asked to try later (451).
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    public const string RejectingDomain = "rejected.test";
    public const string DeferringDomain = "deferred.test";

    // Debian's python, where apt's python3-aiosmtpd is importable; the python3 first on PATH may be another.
    private const string Python = "/usr/bin/python3";

    private readonly string _script;
    private Process? _process;

    private SmtpSink()
    {
        _script = Path.Combine(RepositoryRoot.Find(), "deploy", "local", "smtp-sink.py");
        Folder = Path.Combine(Path.GetTempPath(), $"cic-mail-{Guid.NewGuid():N}");
    }

    /// <summary>The port the sink bound when it first started; it starts again on the same one.</summary>
    public int Port { get; private set; }

    /// <summary>Where the received messages are stored, one <c>.eml</c> file each.</summary>
    public string Folder { get; }

    public static async Task<SmtpSink> StartAsync()
    {
        await RequireAiosmtpdAsync();
        var sink = new SmtpSink();
        await sink.StartAgainAsync();
        return sink;
    }

    /// <summary>Kills the server: connections are refused until it starts again. Messages already stored stay.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>
    /// Starts the server (again) on the same port and folder, and returns once it accepts connections. The first start
    /// binds port 0 and reads the port it got from the sink's first line.
    /// </summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     _script, "--port", Port.ToString(), "--dir", Folder,
                     "--reject-domain", RejectingDomain, "--defer-domain", DeferringDomain,
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var errors = new System.Text.StringBuilder();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            // "smtp-sink: listening on 127.0.0.1:<port>, storing messages in …"
            if (line.Data is { } text && text.StartsWith("smtp-sink: listening on ", StringComparison.Ordinal))
            {
                var address = text["smtp-sink: listening on ".Length..text.IndexOf(',', StringComparison.Ordinal)];
                listening.TrySetResult(int.Parse(address[(address.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            lock (errors)
            {
                errors.AppendLine(line.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!listening.Task.IsCompleted || !await AcceptsAsync(listening.Task.Result))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                string said;
                lock (errors)
                {
                    said = errors.ToString();
                }

                throw new InvalidOperationException($"The SMTP sink did not start on port {Port}: {said}");
            }

            await Task.Delay(50);
        }

        Port = listening.Task.Result;
    }

    /// <summary>Every message received so far, oldest first.</summary>
    public IReadOnlyList<MimeMessage> Messages() =>
        Directory.Exists(Folder)
            ? Directory.GetFiles(Folder, "*.eml").Order(StringComparer.Ordinal).Select(file => MimeMessage.Load(file)).ToList()
            : [];

    /// <summary>The messages addressed to <paramref name="address"/>.</summary>
    public IReadOnlyList<MimeMessage> MessagesTo(string address) =>
        Messages().Where(m => m.To.Mailboxes.Any(to => string.Equals(to.Address, address, StringComparison.OrdinalIgnoreCase))).ToList();

    /// <summary>Waits until <paramref name="count"/> messages to <paramref name="address"/> have arrived, and returns them.</summary>
    public Task<IReadOnlyList<MimeMessage>> WaitForAsync(string address, int count = 1) =>
        Eventually.Returns(
            () => Task.FromResult(MessagesTo(address)),
            messages => messages.Count >= count,
            $"{count} email(s) to {address}");

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // left for the temp folder's cleanup
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task RequireAiosmtpdAsync()
    {
        var check = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        check.ArgumentList.Add("-c");
        check.ArgumentList.Add("import aiosmtpd");
        try
        {
            using var process = Process.Start(check)!;
            await process.WaitForExitAsync();
            if (process.ExitCode == 0)
            {
                return;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // no /usr/bin/python3 at all: same advice
        }

        throw new InvalidOperationException(
            "The Notifications tests need a real SMTP server: Debian's python3-aiosmtpd, run by /usr/bin/python3. " +
            "Run the tests with ./cic test, which installs it, or install it yourself: apt-get install python3-aiosmtpd.");
    }
}
