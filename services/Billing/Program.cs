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
builder.AddMessaging(bus => bus
    .AddAccountsProjection(BillingDb.KeptFromAccounts)
    .AddBillingAccounts()
    .AddUsageTallies());
builder.Services.AddValidation();
builder.AddStripe();
builder.AddBillingAccountAccess();
builder.AddPaymentMethods();
builder.AddInvoices();
builder.AddStripeWebhooks();
builder.AddReconciliation();
builder.AddUsagePush();
builder.AddCycleSoFar();
builder.AddBillingPipeline();

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

/// <summary>The Billing service's entry point, public so that tests can host the service.</summary>
public partial class Program;
