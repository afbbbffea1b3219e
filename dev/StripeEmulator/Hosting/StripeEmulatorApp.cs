using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Billing;
using Cic.StripeEmulator.Control;
using Cic.StripeEmulator.CreditNotes;
using Cic.StripeEmulator.Dashboard;
using Cic.StripeEmulator.Customers;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.Invoices;
using Cic.StripeEmulator.PaymentMethods;
using Cic.StripeEmulator.Payments;
using Cic.StripeEmulator.Products;
using Cic.StripeEmulator.SetupIntents;
using Cic.StripeEmulator.State;
using Cic.StripeEmulator.Subscriptions;
using Cic.StripeEmulator.TestClocks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Cic.StripeEmulator.Hosting;

/// <summary>Builds the emulator's <see cref="WebApplication"/>; used by <c>Program</c> (standalone) and <see cref="StripeEmulatorHost"/> (in-process).</summary>
public static class StripeEmulatorApp
{
    public const string ConfigurationSection = "Emulator";

    /// <summary>Standalone: options come from configuration (<c>Emulator:*</c>, e.g. env <c>Emulator__WebhookUrl</c>).</summary>
    public static WebApplication Create(string[] args)
    {
        // appsettings.json sits next to the dll, wherever it is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var options = FromConfiguration(builder.Configuration.GetSection(ConfigurationSection));
        return Build(builder, options);
    }

    /// <summary>Starts listening, then creates the configured dashboard set-up (<see cref="DashboardOptions"/>); returns the address.</summary>
    public static async Task<Uri> StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        await app.StartAsync(cancellationToken);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        await app.Services.GetRequiredService<DashboardSetup>().ApplyAsync(address, cancellationToken);
        return address;
    }

    internal static WebApplication Build(WebApplicationBuilder builder, StripeEmulatorOptions options)
    {
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(sp => new EmulatorState(options.TimeProvider));
        services.AddSingleton<ObjectRenderer>();
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<FaultInjector>();
        services.AddSingleton<RateLimits>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        services.AddSingleton<EventPublisher>();
        services.AddSingleton<EmulatorControl>();
        services.AddSingleton<PaymentMethodService>();
        services.AddSingleton<PaymentProcessor>();
        services.AddSingleton<InvoiceService>();
        services.AddSingleton<SubscriptionService>();
        services.AddSingleton<CreditNoteService>();
        services.AddSingleton<BillingScheduler>();
        services.AddSingleton<DashboardSetup>();
        services.AddHostedService<RealTimeScheduler>();

        AddEndpoints<CustomersEndpoints>(services);
        AddEndpoints<PaymentMethodsEndpoints>(services);
        AddEndpoints<SetupIntentsEndpoints>(services);
        AddEndpoints<ProductsEndpoints>(services);
        AddEndpoints<MetersEndpoints>(services);
        AddEndpoints<SubscriptionsEndpoints>(services);
        AddEndpoints<InvoicesEndpoints>(services);
        AddEndpoints<PaymentsEndpoints>(services);
        AddEndpoints<CreditNotesEndpoints>(services);
        AddEndpoints<TestClocksEndpoints>(services);
        AddEndpoints<EventsEndpoints>(services);
        AddEndpoints<ControlEndpoints>(services);

        var app = builder.Build();
        app.UseMiddleware<StripePipeline>();
        app.MapGet("/health", (DashboardSetup dashboard) => dashboard.Done
            ? Results.Ok(new { status = "ok" })
            : Results.Json(new { status = "setting up" }, statusCode: StatusCodes.Status503ServiceUnavailable));

        var router = new StripeRouter(app, app.Services.GetRequiredService<EmulatorState>(), app.Services.GetRequiredService<ObjectRenderer>());
        foreach (var endpoints in app.Services.GetServices<IApiEndpoints>())
        {
            endpoints.Map(router);
        }
        // Anything else under /v1 or /v2: Stripe's "Unrecognized request URL" 404.
        app.MapFallback("/{**path}", (HttpContext http) =>
            StripePipeline.WriteErrorAsync(http, StripeApiException.NotFoundRoute(http.Request.Method, http.Request.Path)));

        app.Services.GetRequiredService<EmulatorControl>().RegisterConfiguredEndpoint();
        return app;
    }

    /// <summary>Binds <see cref="StripeEmulatorOptions"/>; lists are replaced (not appended to) when configured.</summary>
    public static StripeEmulatorOptions FromConfiguration(IConfiguration section)
    {
        var options = new StripeEmulatorOptions();
        section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        options.ApiKeys = section.GetSection(nameof(options.ApiKeys)).Get<string[]>() ?? [];
        options.WebhookEvents = section.GetSection(nameof(options.WebhookEvents)).Get<string[]>() ?? ["*"];
        options.WebhookRetrySeconds = section.GetSection(nameof(options.WebhookRetrySeconds)).Get<double[]>() ?? [1, 5, 25];
        options.PaymentRetryDays = section.GetSection(nameof(options.PaymentRetryDays)).Get<double[]>() ?? [3, 5, 7];
        return options;
    }

    private static void AddEndpoints<T>(IServiceCollection services)
        where T : class, IApiEndpoints
    {
        services.AddSingleton<T>();
        services.AddSingleton<IApiEndpoints>(sp => sp.GetRequiredService<T>());
    }
}
