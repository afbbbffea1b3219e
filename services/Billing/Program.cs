using Cic.Billing;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<BillingDb>("billing-db");
builder.AddMessaging();
builder.Services.AddValidation();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
