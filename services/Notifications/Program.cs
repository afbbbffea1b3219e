using Cic.Notifications;
using Cic.Notifications.Email;
using Cic.Notifications.Feed;
using Cic.Notifications.Notices;
using Cic.Notifications.Recipients;
using Cic.Notifications.Settings;
using Cic.ServiceDefaults.Accounts;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<NotificationsDb>(NotificationsDb.ConnectionName);
builder.AddMessaging(bus =>
{
    // Recipients: who is a member of which account, and what the accounts are called.
    bus.AddAccountsProjection(NotificationsDb.KeptFromAccounts);
    bus.AddConsumer<AccountNamesConsumer>();
    // The billing events customers are told about.
    bus.AddConsumer<InvoiceIssuedConsumer>();
    bus.AddConsumer<InvoicePastDueConsumer>();
    bus.AddConsumer<PaymentMethodExpiredConsumer>();
    bus.AddConsumer<PaymentRetrySucceededConsumer>();
    bus.AddConsumer<PaymentRetryFailedConsumer>();
    // Usage's unusual-usage anomalies.
    bus.AddConsumer<UnusualUsageDetectedConsumer>();
});
builder.Services.AddValidation();
builder.Services.AddOptions<PortalOptions>().BindConfiguration("Portal");
builder.Services.AddSingleton<BillingNotices>();
builder.Services.AddScoped<Notifier>();
builder.AddEmail();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapNotificationSettings();
app.MapFeed();
app.MapEmailDeliveries();

app.Run();

/// <summary>The Notifications service's entry point; tests host it through this type.</summary>
public partial class Program;
