using Cic.Accounts;
using Cic.Accounts.BillingArrangements;
using Cic.Accounts.Companies;
using Cic.Accounts.Members;
using Cic.Accounts.Moves;
using Cic.Accounts.Organizations;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<AccountsDb>(AccountsDb.ConnectionName);
builder.AddMessaging();
builder.Services.AddValidation();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapCompanies();
app.MapOrganizations();
app.MapMoves();
app.MapBillingArrangements();
app.MapMembers();

app.Run();

/// <summary>The Accounts service's entry point, public so that tests can host the service.</summary>
public partial class Program;
