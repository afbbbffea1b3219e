using Cic.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Cic.Notifications;

/// <summary>The Notifications service's own database: recipients, their notification settings, the in-app feed and email deliveries.</summary>
public sealed class NotificationsDb(DbContextOptions<NotificationsDb> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
    }
}
