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
builder.AddMessaging(bus => bus.AddAccountsProjection(UsageDb.KeptFromAccounts).AddKnownCompanies());
builder.AddCallIngestion();
builder.AddTallyPublishing();
builder.Services.AddSequenceGapTracking();
builder.Services.AddValidation();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapUsage();
app.MapCallHistory();
app.MapUnknownCompanies();
app.MapUsageAnomalies();
app.MapSequenceGaps();

app.Run();
