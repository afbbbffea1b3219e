using Cic.ServiceDefaults;
using MassTransit;

namespace Cic.Notifications.Notices;

public static class NoticesRegistration
{
    /// <summary>The events customers are told about: Billing's (the seed's list) and Usage's unusual usage, one consumer and queue each.</summary>
    public static IBusRegistrationConfigurator AddNoticeEvents(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<InvoiceIssuedConsumer>();
        bus.AddConsumer<InvoicePastDueConsumer>();
        bus.AddConsumer<PaymentMethodExpiredConsumer>();
        bus.AddConsumer<PaymentRetrySucceededConsumer>();
        bus.AddConsumer<PaymentRetryFailedConsumer>();
        bus.AddConsumer<UnusualUsageDetectedConsumer>();
        return bus;
    }

    /// <summary>What a notice says (with links to the portal, <c>Portal</c> section) and the notifier that records it for each recipient.</summary>
    public static IHostApplicationBuilder AddNotices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSectionOptions<PortalOptions>(PortalOptions.Section);
        builder.Services.AddSingleton<BillingNotices>();
        builder.Services.AddScoped<Notifier>();
        return builder;
    }
}
