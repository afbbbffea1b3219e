using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cic.EndToEnd.Tests.Platform;

/// <summary>
/// One resource of the running AppHost (a service or a server) that a story stops and starts again, as a deployment
/// does: the AppHost's own stop and start commands (the dashboard's), so it comes back on the same address, with the
/// same settings and data.
/// </summary>
public sealed class PlatformResource(DistributedApplication app, string name, string resourceName)
{
    private static readonly TimeSpan RestartTimeout = TimeSpan.FromMinutes(3);
    private static readonly string[] Stopped = [KnownResourceStates.Exited, KnownResourceStates.Finished];

    public string Name { get; } = name;

    /// <summary>How many times it has been started, the first start included.</summary>
    public int Starts { get; private set; } = 1;

    public async Task RestartAsync()
    {
        using var timeout = new CancellationTokenSource(RestartTimeout);
        var notifications = app.ResourceNotifications;
        var before = await notifications.WaitForResourceAsync(resourceName, _ => true, timeout.Token);

        // SIGTERM. DCP gives up waiting after some seconds while a service is still finishing its in-flight work
        // (as Kubernetes would wait 30 s); what matters is that the process ends, however long its orderly stop takes.
        await app.ResourceCommands.ExecuteCommandAsync(resourceName, KnownResourceCommands.StopCommand, timeout.Token);
        await notifications.WaitForResourceAsync(resourceName, e => Stopped.Contains(e.Snapshot.State?.Text), timeout.Token);

        var start = await app.ResourceCommands.ExecuteCommandAsync(resourceName, KnownResourceCommands.StartCommand, timeout.Token);
        if (!start.Success)
        {
            throw new InvalidOperationException($"Starting {Name} again failed: {start.Message}");
        }

        await notifications.WaitForResourceAsync(resourceName, e =>
            e.Snapshot.StartTimeStamp > before.Snapshot.StartTimeStamp
            && e.Snapshot.State?.Text == KnownResourceStates.Running
            && e.Snapshot.HealthStatus == HealthStatus.Healthy, timeout.Token);
        Starts++;
    }
}
