using Cic.Notifications;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<NotificationsDb>("notifications-db");
builder.AddMessaging();
builder.Services.AddValidation();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
