using Cic.Billing;
using Cic.Billing.Accounts;
using Cic.Billing.Customers;
using Cic.Billing.PaymentMethods;
using Cic.Billing.Readiness;
using Cic.Billing.Reconciliation;
using Cic.Billing.Stripe;
using Cic.Billing.UsagePush;
using Cic.Billing.Webhooks;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<BillingDb>("billing-db");
builder.AddMessaging(bus => bus.AddAccountsProjection().AddUsagePush());
builder.AddStripe();
builder.Services.AddValidation();

builder.Services.AddScoped<StripeCustomers>();
builder.Services.AddScoped<CardSync>();
builder.Services.AddScoped<AccountSync>();
builder.Services.AddOptions<WebhookSettings>().BindConfiguration("Webhooks");
builder.Services.AddSingleton<StripeEventWakeup>();
builder.Services.AddHostedService<StripeEventProcessor>();
builder.Services.AddOptions<ReconciliationSettings>().BindConfiguration("Reconciliation");
builder.Services.AddHostedService<StripeReconciliation>();
builder.Services.AddHostedService<CardExpiryPass>();
builder.AddUsagePush();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapStripeWebhooks();
app.MapBillingAccounts();
app.MapPaymentMethods();
app.MapUsageReconciliation();

app.Run();

public partial class Program;
