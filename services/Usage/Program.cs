using Cic.ServiceDefaults.Accounts;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Persistence;
using Cic.Usage;
using Cic.Usage.Anomalies;
using Cic.Usage.CallHistory;
using Cic.Usage.Calls;
using Cic.Usage.Companies;
using Cic.Usage.Sequences;
using Cic.Usage.Tallies;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<UsageDb>(UsageDb.ConnectionName);
builder.AddMessaging(bus => bus
    .AddAccountsProjection(UsageDb.KeptFromAccounts)
    .AddKnownCompanies());
builder.Services.AddValidation();
builder.AddCallIngestion();
builder.AddTallyPublishing();
builder.AddSequenceGapTracking();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapUsage();
app.MapCallHistory();
app.MapUnknownCompanies();
app.MapUsageAnomalies();
app.MapSequenceGaps();

app.Run();

/// <summary>The Usage service's entry point, public so that tests can host the service.</summary>
public partial class Program;
