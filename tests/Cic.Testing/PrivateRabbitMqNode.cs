using System.Diagnostics;

namespace Cic.Testing;

/// <summary>
/// A RabbitMQ node of one test's own, on loopback ports reserved for it (<see cref="LoopbackPort"/>), started with
/// the same script as <c>./cic</c>'s node, so the test can stop and restart the broker without disturbing anyone else.
/// Its data and its ports survive a restart, as a real broker's do.
/// </summary>
public sealed class PrivateRabbitMqNode : IAsyncDisposable
{
    private readonly string _script;
    private readonly string _directory;
    private readonly string _name;
    private readonly ReservedPort _amqpPort = LoopbackPort.Reserve();
    private readonly ReservedPort _managementPort = LoopbackPort.Reserve();
    private readonly ReservedPort _distributionPort = LoopbackPort.Reserve();

    private PrivateRabbitMqNode()
    {
        _script = Path.Combine(RepositoryRoot.Find(), "deploy", "local", "rabbitmq-node.sh");
        _name = $"t{Guid.NewGuid():N}"[..12];
        _directory = Path.Combine(Path.GetTempPath(), "cic-" + _name);
    }

    /// <summary>amqp:// URI of the node's root virtual host.</summary>
    public Uri Amqp => new($"amqp://guest:guest@127.0.0.1:{_amqpPort}/");

    public static async Task<PrivateRabbitMqNode> StartAsync()
    {
        var node = new PrivateRabbitMqNode();
        try
        {
            await node.StartAgainAsync();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the broker: connections drop and nothing can be published until it starts again.</summary>
    public Task StopAsync() => RunAsync("stop", _directory, _name);

    public Task StartAgainAsync() => RunAsync(
        "start", _directory, _name, _amqpPort.ToString(), _managementPort.ToString(), _distributionPort.ToString());

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _amqpPort.Dispose();
        _managementPort.Dispose();
        _distributionPort.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a file still being let go of by the exiting VM; the temp folder is cleaned eventually
        }
    }

    private async Task RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(_script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"rabbitmq-node.sh {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await error}");
        }
    }
}

/// <summary>The checkout's root folder, where <c>cic</c> lives.</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        if (Environment.GetEnvironmentVariable("CIC_REPO_ROOT") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "cic")) && Directory.Exists(Path.Combine(directory.FullName, "deploy")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (the folder holding ./cic); set CIC_REPO_ROOT.");
    }
}
