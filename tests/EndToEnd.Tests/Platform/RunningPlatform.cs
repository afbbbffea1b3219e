using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Cic.AppHost;
using Cic.EndToEnd.Tests.Actors;
using Cic.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;

// One running platform for the whole suite; its stories take turns, since some restart what others use.
[assembly: AssemblyFixture(typeof(Cic.EndToEnd.Tests.Platform.RunningPlatform))]
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Cic.EndToEnd.Tests.Platform;

/// <summary>
/// The whole platform as the AppHost describes it (AppHost/AppHost.cs), started with Aspire.Hosting.Testing for the
/// stories of one test run: PostgreSQL, RabbitMQ and the mail sink as local executables on ports of the run's own,
/// with their data in the run's folder; the Stripe emulator with finance's dashboard set-up and its test clock; the
/// four services as their own processes. The only differences from <c>./cic up</c>: test tokens, faster timers, and
/// every resource's log in a file (<c>.local/e2e/&lt;run&gt;/platform.log</c>) instead of the test output.
/// </summary>
public sealed class RunningPlatform : IAsyncLifetime
{
    public const string StripeSecretKey = "sk_test_cic_e2e";
    public const string StripePublishableKey = BillingStripe.EmulatorPublishableKey;
    public const long CentsPerCall = 2;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);

    private static readonly string DashboardApiKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    private DistributedApplication? _app;

    /// <summary>The ports of the servers the AppHost runs, the run's own until it ends (restarts included).</summary>
    private readonly ReservedPort _postgresPort = LoopbackPort.Reserve(), _amqpPort = LoopbackPort.Reserve(),
        _managementPort = LoopbackPort.Reserve(), _distributionPort = LoopbackPort.Reserve(),
        _smtpPort = LoopbackPort.Reserve(), _stripeEmulatorPort = LoopbackPort.Reserve();

    public string LogFolder { get; } = Path.Combine(
        RepositoryRoot.Find(), ".local", "e2e", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}");

    /// <summary>Where the servers keep their data, and the mail sink its messages.</summary>
    private string ServersFolder => Path.Combine(LogFolder, "servers");

    public string MailFolder => Path.Combine(ServersFolder, "mail");

    public ServiceAddresses Addresses { get; private set; } = null!;

    public PlatformResource Accounts { get; private set; } = null!;

    public PlatformResource Usage { get; private set; } = null!;

    public PlatformResource Billing { get; private set; } = null!;

    public PlatformResource Notifications { get; private set; } = null!;

    public IReadOnlyList<PlatformResource> Services => [Accounts, Usage, Billing, Notifications];

    /// <summary>The running application, for what only its model or its resources' state can tell.</summary>
    public DistributedApplication App => _app ?? throw new InvalidOperationException("The platform is not running.");

    public StripeSide Stripe { get; private set; } = null!;

    /// <summary>The Aspire dashboard, as on-call engineers use it.</summary>
    public Dashboard Dashboard { get; private set; } = null!;

    /// <summary>The one test clock every Stripe customer of the run lives on: the emulator's, created as it started.</summary>
    public const string TestClockId = BillingStripe.EmulatorTestClock;

    /// <summary>The broker's address, for other CIC systems publishing calls.</summary>
    public Uri Broker { get; private set; } = null!;

    /// <summary>A CIC staff member at the portal.</summary>
    public Portal Staff { get; private set; } = null!;

    /// <summary>A customer's portal user, by their identity-provider id.</summary>
    public Portal Customer(string userId) => new(Addresses, TestTokens.Customer(userId), userId);

    /// <summary>Another CIC system that reports the calls it handles.</summary>
    public CallHandlingSystem CallHandlingSystem(string name) => new(Broker, name);

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(LogFolder);
        string[] args =
        [
            // The mail sink's files are what the stories read; containers would keep mail in Mailpit.
            "--Servers:Mode=executables",
            $"--Servers:DataDirectory={ServersFolder}",
            $"--Servers:PostgresPort={_postgresPort}",
            $"--Servers:AmqpPort={_amqpPort}",
            $"--Servers:ManagementPort={_managementPort}",
            $"--Servers:DistributionPort={_distributionPort}",
            $"--Servers:SmtpPort={_smtpPort}",
            $"--Servers:StripeEmulatorPort={_stripeEmulatorPort}",
            // Its telemetry API, which the trace story reads as on-call engineers' tools do.
            $"--AppHost:DashboardApiKey={DashboardApiKey}",
        ];
        // With the dashboard, as ./cic up: the services export their telemetry to it (and stop promptly, with no
        // exporter retrying against an address nobody listens on).
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Cic_AppHost>(
            args, (options, _) => options.DisableDashboard = false, TestContext.Current.CancellationToken);
        builder.Services.AddLogging(logging => logging
            .ClearProviders()
            .SetMinimumLevel(LogLevel.Information)
            .AddProvider(new FileLoggerProvider(Path.Combine(LogFolder, "platform.log"))));

        foreach (var service in builder.Resources.OfType<ProjectResource>().Where(r => r.Name != ResourceNames.StripeEmulator))
        {
            var resource = builder.CreateResourceBuilder(service);
            // Tokens: the test process's signing key, in the shape `dotnet user-jwts` leaves in Development.
            foreach (var (key, value) in TestTokens.Configuration)
            {
                resource.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
            }
        }

        // Timers a month-long story cannot wait for.
        builder.CreateResourceBuilder<ProjectResource>(ResourceNames.Usage)
            // An hour's tally is published soon after the hour ended (default: 2 minutes after, checked every 10 s).
            .WithEnvironment("Usage__Tallies__SettleDelay", "00:00:03")
            .WithEnvironment("Usage__Tallies__PublishInterval", "00:00:01");
        builder.CreateResourceBuilder<ProjectResource>(ResourceNames.Billing)
            .WithEnvironment("Webhooks__PollInterval", "00:00:00.500");
        builder.CreateResourceBuilder<ProjectResource>(ResourceNames.Notifications)
            .WithEnvironment("Email__PollInterval", "00:00:00.500");
        // Billing is restarted mid-run: Stripe retries a webhook soon enough that a restart costs seconds, not minutes.
        var emulator = builder.CreateResourceBuilder<ProjectResource>(ResourceNames.StripeEmulator);
        emulator.WithEnvironment("Emulator__WebhookRetrySeconds__0", "1")
            .WithEnvironment("Emulator__WebhookRetrySeconds__1", "3")
            .WithEnvironment("Emulator__WebhookRetrySeconds__2", "10")
            .WithEnvironment("Emulator__WebhookRetrySeconds__3", "30");

        _app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        using var start = new CancellationTokenSource(StartTimeout);
        await _app.StartAsync(start.Token);
        var names = new[] { ResourceNames.Accounts, ResourceNames.Usage, ResourceNames.Billing, ResourceNames.Notifications };
        await Task.WhenAll(names.Append(ResourceNames.StripeEmulator)
            .Select(name => _app.ResourceNotifications.WaitForResourceHealthyAsync(name, start.Token)));

        Accounts = new PlatformResource(_app, "Accounts", ResourceNames.Accounts);
        Usage = new PlatformResource(_app, "Usage", ResourceNames.Usage);
        Billing = new PlatformResource(_app, "Billing", ResourceNames.Billing);
        Notifications = new PlatformResource(_app, "Notifications", ResourceNames.Notifications);
        Addresses = new ServiceAddresses(Endpoint(ResourceNames.Accounts), Endpoint(ResourceNames.Usage), Endpoint(ResourceNames.Billing), Endpoint(ResourceNames.Notifications));
        // The same connection string the AppHost hands the services.
        Broker = new Uri(await _app.GetConnectionStringAsync(ResourceNames.Messaging, TestContext.Current.CancellationToken)
            ?? throw new InvalidOperationException("The AppHost has no messaging connection."));
        Stripe = new StripeSide(Endpoint(ResourceNames.StripeEmulator), StripeSecretKey);
        Staff = new Portal(Addresses, TestTokens.Staff("staff-sam"), "staff-sam");
        var dashboard = await _app.GetDashboardUrlAsync(TestContext.Current.CancellationToken)
            ?? throw new InvalidOperationException("The AppHost started no dashboard.");
        Dashboard = new Dashboard(new Uri(dashboard.GetLeftPart(UriPartial.Authority)), DashboardApiKey);
    }

    /// <summary>
    /// What on-call does from the dashboard: the emulator's "Advance the test clock to the next cycle" command; returns
    /// once Stripe has run everything due by then (the clock is <c>ready</c>).
    /// </summary>
    public async Task AdvanceTestClockToNextCycleAsync()
    {
        var result = await App.ResourceCommands.ExecuteCommandAsync(ResourceNames.StripeEmulator, "advance-test-clock", TestContext.Current.CancellationToken);
        Assert.True(result.Success, $"Advancing the test clock failed: {result.Message}");
        await Eventually.IsTrue(
            async () => (await Stripe.TestClockAsync(TestClockId)).Status == "ready",
            "Stripe to run the cycle out on the test clock",
            TimeSpan.FromMinutes(3));
    }

    /// <summary>What RabbitMQ going down and coming back does to everyone connected to it.</summary>
    public Task RestartBrokerAsync() => new PlatformResource(App, "RabbitMQ", ResourceNames.RabbitMq).RestartAsync();

    /// <summary>The emails the local SMTP sink received for <paramref name="address"/>, oldest first.</summary>
    public IReadOnlyList<MimeMessage> MailTo(string address) =>
        Directory.GetFiles(MailFolder, "*.eml")
            .Order(StringComparer.Ordinal)
            .Select(file => MimeMessage.Load(file))
            .Where(m => m.To.Mailboxes.Any(to => string.Equals(to.Address, address, StringComparison.OrdinalIgnoreCase)))
            .ToList();

    public async ValueTask DisposeAsync()
    {
        Staff?.Dispose();
        Stripe?.Dispose();
        Dashboard?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        foreach (var port in new[] { _postgresPort, _amqpPort, _managementPort, _distributionPort, _smtpPort, _stripeEmulatorPort })
        {
            port.Dispose();
        }

        ForgetOldRuns();
    }

    private Uri Endpoint(string resource)
    {
        // Loopback by address: the services listen on 127.0.0.1 only.
        var endpoint = App.GetEndpoint(resource, "http");
        return new UriBuilder(endpoint) { Host = "127.0.0.1" }.Uri;
    }

    /// <summary>Keeps the logs (and servers' data) of the last few runs only.</summary>
    private void ForgetOldRuns()
    {
        var runs = Directory.GetDirectories(Path.GetDirectoryName(LogFolder)!).Order(StringComparer.Ordinal).ToList();
        foreach (var old in runs.Take(Math.Max(0, runs.Count - 3)))
        {
            try
            {
                Directory.Delete(old, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // another run's, still in use, or the PostgreSQL user's files
            }
        }
    }
}
