using Cic.StripeEmulator.Control;
using Cic.StripeEmulator.Events;
using Stripe;

namespace Cic.StripeEmulator.Hosting;

/// <summary>
/// The emulator running in-process on a free loopback port with real Kestrel (so webhooks can reach other in-process
/// apps, and clients go through real HTTP):
/// <code>
/// await using var stripe = await StripeEmulatorHost.StartAsync();
/// var client = stripe.CreateClient();
/// </code>
/// </summary>
public sealed class StripeEmulatorHost : IAsyncDisposable
{
    /// <summary>The key <see cref="CreateClient"/> uses unless given another.</summary>
    public const string DefaultApiKey = "sk_test_emulator";

    private readonly WebApplication app;
    private readonly HttpClient http;

    private StripeEmulatorHost(WebApplication app, Uri baseUrl)
    {
        this.app = app;
        BaseUrl = baseUrl;
        http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = baseUrl };
    }

    /// <summary>e.g. <c>http://127.0.0.1:54321</c> (no trailing slash, ready for Stripe.net's <c>ApiBase</c>).</summary>
    public Uri BaseUrl { get; }

    /// <summary><see cref="BaseUrl"/> as Stripe.net wants it: no trailing slash.</summary>
    public string ApiBase => BaseUrl.GetLeftPart(UriPartial.Authority);

    /// <summary>The signing secret of the endpoint given by <see cref="StripeEmulatorOptions.WebhookUrl"/> (or that would be).</summary>
    public string WebhookSecret => app.Services.GetRequiredService<EmulatorControl>().ConfiguredWebhookSecret;

    /// <summary>Starts an emulator on <c>127.0.0.1</c> and a free port.</summary>
    public static async Task<StripeEmulatorHost> StartAsync(StripeEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = StripeEmulatorApp.Build(builder, options ?? new StripeEmulatorOptions());
        return new StripeEmulatorHost(app, await StripeEmulatorApp.StartAsync(app, cancellationToken));
    }

    /// <summary>
    /// A Stripe.net client aimed at this emulator (all four bases), with Stripe.net's own retries off (pass
    /// <paramref name="maxNetworkRetries"/> to turn them on) and telemetry off.
    /// </summary>
    public StripeClient CreateClient(string apiKey = DefaultApiKey, int maxNetworkRetries = 0, HttpClient? httpClient = null) =>
        new(new StripeClientOptions
        {
            ApiKey = apiKey,
            ApiBase = ApiBase,
            FilesBase = ApiBase,
            ConnectBase = ApiBase,
            MeterEventsBase = ApiBase,
            HttpClient = new SystemNetHttpClient(httpClient ?? http, maxNetworkRetries, appInfo: null, enableTelemetry: false),
        });

    /// <summary>Registers a webhook endpoint for all (or the given) event types; returns its id and signing secret.</summary>
    public WebhookEndpointRegistration AddWebhookEndpoint(string url, params string[] enabledEvents)
    {
        var endpoint = app.Services.GetRequiredService<EmulatorControl>().AddWebhookEndpoint(url, enabledEvents.Length == 0 ? ["*"] : enabledEvents);
        return new WebhookEndpointRegistration(endpoint.Id, endpoint.Secret);
    }

    /// <summary>Registers a webhook endpoint for all event types that signs with <paramref name="secret"/>, given to its receiver beforehand.</summary>
    public WebhookEndpointRegistration AddWebhookEndpointSignedWith(string url, string secret)
    {
        var endpoint = app.Services.GetRequiredService<EmulatorControl>().AddWebhookEndpoint(url, ["*"], secret);
        return new WebhookEndpointRegistration(endpoint.Id, endpoint.Secret);
    }

    /// <summary>
    /// Sets <see cref="StripeEmulatorOptions.WebhookUrl"/> after the start, for a receiver that binds port 0 and so
    /// knows its address only once it listens; the endpoint signs with <see cref="WebhookSecret"/> and survives
    /// <see cref="Reset"/>. Events raised before this call are not delivered.
    /// </summary>
    public void ConfigureWebhookUrl(string url) => app.Services.GetRequiredService<EmulatorControl>().ConfigureWebhookUrl(url);

    /// <summary>Forgets everything (as <c>POST /_emulator/reset</c>); the configured webhook endpoint is registered again.</summary>
    public void Reset() => app.Services.GetRequiredService<EmulatorControl>().Reset();

    /// <summary>Calls a control endpoint (<c>/_emulator/…</c>) with form parameters; throws on a non-2xx answer.</summary>
    public async Task<string> ControlAsync(string path, IEnumerable<KeyValuePair<string, string>>? parameters = null, CancellationToken cancellationToken = default)
    {
        using var content = new FormUrlEncodedContent(parameters ?? []);
        using var response = await http.PostAsync(path.StartsWith('/') ? path : "/" + path, content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode ? body : throw new HttpRequestException($"{path} answered {(int)response.StatusCode}: {body}", null, response.StatusCode);
    }

    /// <summary>How many meter events the meters with this event name hold, and the sum of their values: what Stripe recorded.</summary>
    public (int Count, decimal Value) MeterEventTotals(string eventName)
    {
        var state = app.Services.GetRequiredService<State.EmulatorState>();
        lock (state.Gate)
        {
            var events = state.Meters.All.Where(m => m.EventName == eventName).SelectMany(m => m.Events).ToList();
            return (events.Count, events.Sum(e => e.Value));
        }
    }

    /// <summary>Every webhook delivery attempt so far (as <c>GET /_emulator/webhooks/deliveries</c>), oldest first.</summary>
    public IReadOnlyList<WebhookDeliveryAttempt> WebhookDeliveries() => app.Services.GetRequiredService<WebhookDispatcher>().Deliveries();

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        http.Dispose();
    }
}

/// <summary>One attempt to deliver an event to a webhook endpoint: <see cref="Status"/> is null when no answer came (see <see cref="Error"/>).</summary>
public sealed record WebhookDeliveryAttempt(string EventId, string EventType, string EndpointId, string Url, int Attempt, int? Status, string? Error, long At);

/// <summary>A webhook endpoint registered through <see cref="StripeEmulatorHost.AddWebhookEndpoint"/>.</summary>
public sealed record WebhookEndpointRegistration(string Id, string Secret);
