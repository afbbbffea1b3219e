using System.Net;
using Cic.ServiceDefaults;
using Cic.Billing.Customers;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using global::Stripe;

namespace Cic.Billing.Stripe;

public static class StripeSetup
{
    private const string HttpClientName = "stripe";

    /// <summary>
    /// One Stripe.net <see cref="StripeClient"/> on an <see cref="IHttpClientFactory"/> client. Retries
    /// live in one layer only: the resilience handler here (which honours <c>Stripe-Should-Retry</c>
    /// and <c>Retry-After</c>), with Stripe.net's own retries off. Every attempt first waits for the
    /// request budget all instances share (<see cref="StripeRequestBudget"/>).
    /// </summary>
    public static IHostApplicationBuilder AddStripe(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSectionOptions<StripeOptions>(StripeOptions.Section);
        builder.Services.AddSingleton<StripeRequestBudget>();
        builder.Services.AddTransient<StripeRequestBudgetHandler>();
        builder.Services.AddSingleton<StripeCalls>();
        builder.Services.AddTransient<StripeCallsHandler>();

#pragma warning disable EXTEXP0001 // The service defaults give every client a standard handler; Stripe's needs its own retry rule.
        builder.Services.AddHttpClient(HttpClientName)
            .RemoveAllResilienceHandlers()
#pragma warning restore EXTEXP0001
            .AddStandardResilienceHandler(options =>
            {
                options.Retry.MaxRetryAttempts = 4;
                options.Retry.Delay = TimeSpan.FromMilliseconds(500);
                options.Retry.BackoffType = DelayBackoffType.Exponential;
                options.Retry.UseJitter = true;
                options.Retry.ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome));
                options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(20);
                options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(60);
                options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(90);
            });
        builder.Services.AddHttpClient(HttpClientName)
            .AddHttpMessageHandler<StripeRequestBudgetHandler>()
            .AddHttpMessageHandler<StripeCallsHandler>();

        builder.Services.AddSingleton(services =>
        {
            var stripe = services.GetRequiredService<IOptions<StripeOptions>>().Value;
            var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName);
            var apiBase = stripe.ApiBase.TrimEnd('/');
            return new StripeClient(new StripeClientOptions
            {
                ApiKey = stripe.SecretKey,
                ApiBase = apiBase,
                FilesBase = apiBase == "https://api.stripe.com" ? "https://files.stripe.com" : apiBase,
                ConnectBase = apiBase == "https://api.stripe.com" ? "https://connect.stripe.com" : apiBase,
                MeterEventsBase = apiBase == "https://api.stripe.com" ? "https://meter-events.stripe.com" : apiBase,
                HttpClient = new SystemNetHttpClient(http, maxNetworkRetries: 0),
            });
        });
        builder.Services.AddScoped<StripeClock>();
        builder.Services.AddScoped<StripeCustomers>();
        return builder;
    }

    /// <summary>
    /// Stripe says whether a failed request is worth repeating in <c>Stripe-Should-Retry</c>; without
    /// that header, the usual transient failures (timeouts, 408, 429, 5xx, no connection) are.
    /// </summary>
    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome)
    {
        if (outcome.Result?.Headers.TryGetValues("Stripe-Should-Retry", out var values) is true)
        {
            return string.Equals(values.FirstOrDefault(), "true", StringComparison.OrdinalIgnoreCase);
        }

        if (outcome.Result?.StatusCode is HttpStatusCode.Conflict)
        {
            // An idempotent request still running elsewhere: worth asking again.
            return true;
        }

        return HttpClientResiliencePredicates.IsTransient(outcome);
    }
}
