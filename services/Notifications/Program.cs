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
builder.AddMessaging(bus => bus
    .AddAccountsProjection(NotificationsDb.KeptFromAccounts)
    .AddAccountNames()
    .AddNoticeEvents());
builder.Services.AddValidation();
builder.AddNotices();
builder.AddEmail();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapNotificationSettings();
app.MapFeed();
app.MapEmailDeliveries();

app.Run();

/// <summary>The Notifications service's entry point, public so that tests can host the service.</summary>
public partial class Program;
