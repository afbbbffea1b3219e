using Cic.ServiceDefaults.Background;
using Cic.Contracts.Usage;
using MassTransit;

namespace Cic.Billing.UsagePush;

public static class UsagePushRegistration
{
    /// <summary>The consumer of <see cref="UsageTallied"/>, which fills the ledger of usage to push.</summary>
    public static IBusRegistrationConfigurator AddUsagePush(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<UsageTalliedConsumer>();
        return bus;
    }

    /// <summary>The push of the ledger to Stripe's meter in the background, and what wakes it.</summary>
    public static IServiceCollection AddUsagePush(this IServiceCollection services)
    {
        services.AddOptions<UsagePushSettings>().BindConfiguration("UsagePush").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<MeterPushWakeup>();
        services.AddScoped<PayerMeterEvents>();
        services.AddScoped<UsageReconciliation>();
        services.AddBackgroundWork<MeterPusher>();
        return services;
    }
}
