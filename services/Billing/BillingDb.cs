using Cic.Billing.BillingAccounts;
using Cic.Billing.Invoices;
using Cic.Billing.PaymentMethods;
using Cic.Billing.UsagePush;
using Cic.Billing.Webhooks;
using Cic.ServiceDefaults.Accounts;
using Cic.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing;

/// <summary>The Billing service's own database: billing accounts, their Stripe customers, cards, invoices and the usage pushed to Stripe.</summary>
public sealed class BillingDb(DbContextOptions<BillingDb> options) : DbContext(options)
{
    /// <summary>The connection string the service reads its database under (<c>ConnectionStrings__billing-db</c>), as the AppHost names it.</summary>
    public const string ConnectionName = "billing-db";

    /// <summary>What the service keeps of Accounts' memberships: who may see and manage billing: members with their role, and organizations' companies.</summary>
    public const AccountsKept KeptFromAccounts = AccountsKept.Members | AccountsKept.MemberRoles | AccountsKept.OrganizationCompanies;

    public DbSet<BillingAccount> BillingAccounts => Set<BillingAccount>();

    public DbSet<BillingArrangement> BillingArrangements => Set<BillingArrangement>();

    public DbSet<AccountMember> Members => Set<AccountMember>();

    public DbSet<OrganizationCompany> OrganizationCompanies => Set<OrganizationCompany>();

    public DbSet<AccountAction> AccountActions => Set<AccountAction>();

    public DbSet<Card> Cards => Set<Card>();

    public DbSet<CardSetup> CardSetups => Set<CardSetup>();

    public DbSet<StaffAuthorization> StaffAuthorizations => Set<StaffAuthorization>();

    public DbSet<StripeEvent> StripeEvents => Set<StripeEvent>();

    public DbSet<BillableHour> BillableHours => Set<BillableHour>();

    public DbSet<MeterPush> MeterPushes => Set<MeterPush>();

    public DbSet<Invoice> Invoices => Set<Invoice>();

    public DbSet<InvoiceLine> InvoiceLines => Set<InvoiceLine>();

    public DbSet<PaymentRetry> PaymentRetries => Set<PaymentRetry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.AddAccountsProjection(KeptFromAccounts);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BillingDb).Assembly);
    }
}
