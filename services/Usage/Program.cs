using Cic.Usage;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<UsageDb>("usage-db");
builder.AddMessaging();
builder.Services.AddValidation();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
