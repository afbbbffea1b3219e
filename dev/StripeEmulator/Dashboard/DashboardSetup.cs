using Cic.StripeEmulator.Hosting;
using Cic.StripeEmulator.State;
using Cic.StripeEmulator.TestClocks;
using Stripe;

namespace Cic.StripeEmulator.Dashboard;

/// <summary>
/// Creates what <see cref="DashboardOptions"/> describes once the emulator listens: the calls catalog through
/// the official client against the emulator's own address (so it passes every check a client's request does),
/// and the test clock with its configured id. Until then <c>/health</c> answers 503, so nothing that waits for
/// the emulator to be healthy meets a Stripe without its price.
/// </summary>
internal sealed partial class DashboardSetup(
    StripeEmulatorOptions options, EmulatorState state, TestClocksEndpoints clocks, ILogger<DashboardSetup> log)
{
    private volatile bool _done;

    public bool Done => _done || options.Dashboard is null;

    public async Task ApplyAsync(Uri address, CancellationToken cancellationToken)
    {
        if (options.Dashboard is not { } dashboard)
        {
            return;
        }

        if (dashboard.Calls is { } calls)
        {
            var apiBase = address.GetLeftPart(UriPartial.Authority);
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            var client = new StripeClient(new StripeClientOptions
            {
                ApiKey = options.ApiKeys.FirstOrDefault() ?? "sk_test_emulator_dashboard",
                ApiBase = apiBase,
                HttpClient = new SystemNetHttpClient(http, maxNetworkRetries: 0, appInfo: null, enableTelemetry: false),
            });
            var (meter, price) = await client.CreateCallsCatalogAsync(calls, cancellationToken);
            LogCatalog(meter.EventName, meter.Id, price.LookupKey, price.Id, price.UnitAmount ?? 0, price.Currency);
        }

        if (dashboard.TestClock is { } clock)
        {
            lock (state.Gate)
            {
                clocks.Create(clock.Id, state.RealNow, clock.Name);
            }

            LogClock(clock.Id);
        }

        _done = true;
    }

    [LoggerMessage(LogLevel.Information, "Dashboard set-up: meter '{EventName}' ({MeterId}), price '{LookupKey}' ({PriceId}) at {UnitAmount} {Currency} a call")]
    private partial void LogCatalog(string eventName, string meterId, string lookupKey, string priceId, long unitAmount, string currency);

    [LoggerMessage(LogLevel.Information, "Dashboard set-up: test clock {ClockId} at the real time, standing still until advanced")]
    private partial void LogClock(string clockId);
}
