using Cic.ServiceDefaults;
using Cic.ServiceDefaults.Background;
using Cic.Contracts.Usage;
using MassTransit;

namespace Cic.Billing.UsagePush;

public static class UsagePushRegistration
{
    /// <summary>Usage's tallies: the consumer of <see cref="UsageTallied"/>, which fills the ledger of usage to push.</summary>
    public static IBusRegistrationConfigurator AddUsageTallies(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<UsageTalliedConsumer>();
        return bus;
    }

    /// <summary>The push of the ledger to Stripe's meter in the background, and what wakes it.</summary>
    public static IHostApplicationBuilder AddUsagePush(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSectionOptions<UsagePushOptions>(UsagePushOptions.Section);
        builder.Services.AddSingleton<MeterPushWakeup>();
        builder.Services.AddScoped<PayerMeterEvents>();
        builder.Services.AddScoped<UsageReconciliation>();
        builder.Services.AddBackgroundWork<MeterPusher>();
        return builder;
    }
}
