using Cic.Notifications.Email;
using Cic.Notifications.Feed;
using Cic.Notifications.Recipients;
using Cic.Notifications.Settings;
using Cic.ServiceDefaults.Accounts;
using Cic.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Cic.Notifications;

/// <summary>The Notifications service's own database: recipients, their notification settings, the in-app feed and email deliveries.</summary>
public sealed class NotificationsDb(DbContextOptions<NotificationsDb> options) : DbContext(options)
{
    /// <summary>The connection string the service reads its database under (<c>ConnectionStrings__notifications-db</c>), as the AppHost names it.</summary>
    public const string ConnectionName = "notifications-db";

    /// <summary>What the service keeps of Accounts' memberships: whom to notify: members with their role, address and name.</summary>
    public const AccountsKept KeptFromAccounts = AccountsKept.Members | AccountsKept.MemberRoles | AccountsKept.MemberContacts;

    public DbSet<AccountMember> Members => Set<AccountMember>();

    public DbSet<AccountName> AccountNames => Set<AccountName>();

    public DbSet<NotificationSetting> NotificationSettings => Set<NotificationSetting>();

    public DbSet<Notification> Notifications => Set<Notification>();

    public DbSet<EmailDelivery> EmailDeliveries => Set<EmailDelivery>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.AddAccountsProjection(KeptFromAccounts);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(NotificationsDb).Assembly);
    }
}
