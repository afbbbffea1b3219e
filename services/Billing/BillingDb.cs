using Cic.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing;

/// <summary>The Billing service's own database: billing accounts, their Stripe customers, cards, invoices and the usage pushed to Stripe.</summary>
public sealed class BillingDb(DbContextOptions<BillingDb> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
    }
}
