using System.Globalization;
using Cic.EndToEnd.Tests.Actors;
using Cic.Testing;
using MimeKit;

// One running platform for the whole suite; its stories take turns, since some restart what others use.
[assembly: AssemblyFixture(typeof(Cic.EndToEnd.Tests.Platform.RunningPlatform))]
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Cic.EndToEnd.Tests.Platform;

/// <summary>
/// The whole platform running as <c>./cic up</c> runs it, for the stories of one test run: the four
/// services each as its own process (the build output, with the settings <c>cic</c>'s <c>service_env</c>
/// gives them), each on a fresh database of the local PostgreSQL, all on a private RabbitMQ node the
/// suite may restart, the Stripe emulator as its own process whose signed webhooks reach Billing, and
/// the local SMTP sink. Every Stripe customer lives on one test clock, frozen at the real time the
/// run started, so a month can be run out with one advance. Logs: <c>.local/e2e/&lt;run&gt;/</c>.
/// </summary>
public sealed class RunningPlatform : IAsyncLifetime
{
    public const string StripeSecretKey = "sk_test_cic_e2e";
    public const string StripePublishableKey = "pk_test_cic_e2e";
    public const string StripeWebhookSecret = "whsec_cic_e2e";
    public const string PriceLookupKey = "cic_calls_handled";
    public const string MeterEventName = "calls_handled";
    public const long CentsPerCall = 2;

    private static readonly string[] ServiceNames = ["Accounts", "Usage", "Billing", "Notifications"];

    private readonly List<TestDatabase> _databases = [];
    private readonly Dictionary<string, PlatformProcess> _services = [];
    private PrivateRabbitMqNode? _broker;
    private PlatformProcess? _emulator;
    private PlatformProcess? _smtp;

    public string LogFolder { get; } = Path.Combine(
        RepositoryRoot.Find(), ".local", "e2e", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}");

    public string MailFolder => Path.Combine(LogFolder, "mail");

    public ServiceAddresses Addresses { get; private set; } = null!;

    public PlatformProcess Accounts => _services["Accounts"];

    public PlatformProcess Usage => _services["Usage"];

    public PlatformProcess Billing => _services["Billing"];

    public PlatformProcess Notifications => _services["Notifications"];

    public IReadOnlyList<PlatformProcess> Services => [Accounts, Usage, Billing, Notifications];

    public StripeSide Stripe { get; private set; } = null!;

    /// <summary>The one test clock every Stripe customer of the run lives on.</summary>
    public string TestClockId { get; private set; } = null!;

    /// <summary>The broker's address, for other CIC systems publishing calls.</summary>
    public Uri Broker => _broker?.Amqp ?? throw new InvalidOperationException("The platform is not running.");

    /// <summary>A CIC staff member at the portal.</summary>
    public Portal Staff { get; private set; } = null!;

    /// <summary>A customer's portal user, by their identity-provider id.</summary>
    public Portal Customer(string userId) => new(Addresses, TestTokens.Customer(userId), userId);

    /// <summary>Another CIC system that reports the calls it handles.</summary>
    public CallHandlingSystem CallHandlingSystem(string name) => new(Broker, name);

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(MailFolder);
        var servers = await TestServers.GetAsync();

        var ports = new Dictionary<string, int>();
        foreach (var name in ServiceNames.Append("StripeEmulator").Append("SmtpSink"))
        {
            ports[name] = LoopbackPort.Free();
        }

        Addresses = new ServiceAddresses(Local(ports["Accounts"]), Local(ports["Usage"]), Local(ports["Billing"]), Local(ports["Notifications"]));

        var databases = Task.WhenAll(ServiceNames.Select(name => servers.CreateDatabaseAsync(name.ToLowerInvariant())));
        var broker = PrivateRabbitMqNode.StartAsync();

        _emulator = PlatformProcess.DotNet("StripeEmulator", Path.Combine("tests", "StripeEmulator"), "Cic.StripeEmulator", ports["StripeEmulator"], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Emulator__WebhookUrl"] = $"{Addresses.Billing}stripe/webhooks",
            ["Emulator__WebhookSecret"] = StripeWebhookSecret,
            // Billing is restarted mid-run: retry soon enough that a restart costs seconds, not minutes.
            ["Emulator__WebhookRetrySeconds__0"] = "1",
            ["Emulator__WebhookRetrySeconds__1"] = "3",
            ["Emulator__WebhookRetrySeconds__2"] = "10",
            ["Emulator__WebhookRetrySeconds__3"] = "30",
        }, LogFolder);
        _smtp = PlatformProcess.Other(
            "SmtpSink", "/usr/bin/python3",
            [Path.Combine(RepositoryRoot.Find(), "deploy", "local", "smtp-sink.py"), "--port", ports["SmtpSink"].ToString(CultureInfo.InvariantCulture), "--dir", MailFolder],
            ports["SmtpSink"], LogFolder);
        await Task.WhenAll(_emulator.StartAsync(), _smtp.StartAsync());

        Stripe = new StripeSide(_emulator.Address, StripeSecretKey);
        await Stripe.CreateCatalogAsync(MeterEventName, PriceLookupKey, CentsPerCall);
        // As ./cic up does: a clock standing at the real time, handed to Billing for every customer it creates.
        TestClockId = (await Stripe.CreateTestClockAsync(DateTimeOffset.UtcNow, "end-to-end")).Id;

        _databases.AddRange(await databases);
        _broker = await broker;
        foreach (var (name, database) in ServiceNames.Zip(_databases))
        {
            _services[name] = PlatformProcess.DotNet(name, Path.Combine("services", name), $"Cic.{name}", ports[name], ServiceEnvironment(name, database, ports["SmtpSink"]), LogFolder);
        }

        // All at once; none publishes anything before a user acts, and each declares its queues before reporting healthy.
        await Task.WhenAll(_services.Values.Select(s => s.StartAsync()));
        Staff = new Portal(Addresses, TestTokens.Staff("staff-sam"), "staff-sam");
    }

    /// <summary>What RabbitMQ going down and coming back does to everyone connected to it.</summary>
    public async Task RestartBrokerAsync()
    {
        await Node().StopAsync();
        await Node().StartAgainAsync();
    }

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
        await Task.WhenAll(_services.Values.Select(s => s.DisposeAsync().AsTask()));
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }

        if (_smtp is not null)
        {
            await _smtp.DisposeAsync();
        }

        Stripe?.Dispose();
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        ForgetOldRuns();
    }

    /// <summary>The settings <c>cic</c>'s <c>service_env</c> gives a service, for this run's servers, plus faster timers.</summary>
    private Dictionary<string, string> ServiceEnvironment(string name, TestDatabase database, int smtpPort)
    {
        var settings = new Dictionary<string, string>
        {
            [$"ConnectionStrings__{name.ToLowerInvariant()}-db"] = database.ConnectionString,
            ["ConnectionStrings__messaging"] = Broker.ToString(),
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["OTEL_SERVICE_NAME"] = name.ToLowerInvariant(),
        };
        // Tokens: the test process's signing key, in the shape `dotnet user-jwts` leaves in Development.
        foreach (var (key, value) in TestTokens.Configuration)
        {
            settings[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }

        switch (name)
        {
            case "Usage":
                // An hour's tally is published soon after the hour ended (default: 2 minutes after, checked every 10 s).
                settings["Usage__Tallies__SettleDelay"] = "00:00:03";
                settings["Usage__Tallies__PublishInterval"] = "00:00:01";
                break;
            case "Billing":
                settings["Stripe__SecretKey"] = StripeSecretKey;
                settings["Stripe__ApiBase"] = Stripe.ApiBase.ToString().TrimEnd('/');
                settings["Stripe__WebhookSecret"] = StripeWebhookSecret;
                settings["Stripe__PublishableKey"] = StripePublishableKey;
                settings["Stripe__PriceLookupKey"] = PriceLookupKey;
                settings["Stripe__MeterEventName"] = MeterEventName;
                settings["Stripe__TestClock"] = TestClockId;
                settings["Webhooks__PollInterval"] = "00:00:00.500";
                break;
            case "Notifications":
                settings["Smtp__Host"] = "127.0.0.1";
                settings["Smtp__Port"] = smtpPort.ToString(CultureInfo.InvariantCulture);
                settings["Smtp__UseTls"] = "false";
                settings["Smtp__From"] = "CIC Billing <billing@cic.localhost>";
                settings["Email__PollInterval"] = "00:00:00.500";
                break;
        }

        return settings;
    }

    private PrivateRabbitMqNode Node() => _broker ?? throw new InvalidOperationException("The platform is not running.");

    private static Uri Local(int port) => new($"http://127.0.0.1:{port}/");

    /// <summary>Keeps the logs of the last few runs only.</summary>
    private void ForgetOldRuns()
    {
        var runs = Directory.GetDirectories(Path.GetDirectoryName(LogFolder)!).Order(StringComparer.Ordinal).ToList();
        foreach (var old in runs.Take(Math.Max(0, runs.Count - 3)))
        {
            try
            {
                Directory.Delete(old, recursive: true);
            }
            catch (IOException)
            {
                // another run's, still in use
            }
        }
    }
}
