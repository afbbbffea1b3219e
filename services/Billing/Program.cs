using Cic.Billing;
using Cic.Billing.BillingAccounts;
using Cic.Billing.CycleSoFar;
using Cic.Billing.Invoices;
using Cic.Billing.PaymentMethods;
using Cic.Billing.Pipeline;
using Cic.Billing.Readiness;
using Cic.Billing.Reconciliation;
using Cic.Billing.Stripe;
using Cic.Billing.UsagePush;
using Cic.Billing.Webhooks;
using Cic.ServiceDefaults.Accounts;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<BillingDb>(BillingDb.ConnectionName);
builder.AddMessaging(bus => bus.AddAccountsProjection(BillingDb.KeptFromAccounts).AddBillingAccounts().AddUsagePush());
builder.AddStripe();
builder.AddBillingPipeline();
builder.Services.AddValidation();
builder.Services
    .AddBillingAccountAccess()
    .AddPaymentMethods()
    .AddInvoices()
    .AddStripeWebhooks()
    .AddReconciliation()
    .AddUsagePush();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapStripeWebhooks();
app.MapStripeEvents();
app.MapBillingAccounts();
app.MapPaymentMethods();
app.MapCardFormPage();
app.MapStaffAuthorizations();
app.MapInvoices();
app.MapUsageReconciliation();
app.MapCycleSoFar();

app.Run();

public partial class Program;
