using Cic.Accounts;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<AccountsDb>("accounts-db");
builder.AddMessaging();
builder.Services.AddValidation();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
