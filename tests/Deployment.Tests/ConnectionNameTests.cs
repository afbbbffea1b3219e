using Cic.AppHost;
using Cic.Testing;

namespace Cic.Deployment.Tests;

/// <summary>
/// Every service has its database in the AppHost's names (AppHost/ResourceNames.cs), under the connection name the
/// service itself reads (its compiled constant). That the running AppHost hands each service what it reads is shown
/// by the end-to-end suite (AppHostModelTests).
/// </summary>
public sealed class ConnectionNameTests
{
    private static readonly string Root = RepositoryRoot.Find();

    [Fact]
    public void Every_service_has_a_database_in_the_AppHost()
    {
        var services = Directory.GetDirectories(Path.Combine(Root, "services")).Select(Path.GetFileName).Order();

        Assert.Equal(ResourceNames.Databases.Select(database => ProjectFolder(database.Service)).Order(), services);
    }

    [Fact]
    public void Each_service_reads_its_database_and_the_broker_under_the_AppHosts_connection_names()
    {
        var read = new Dictionary<string, string>
        {
            [ResourceNames.Accounts] = Cic.Accounts.AccountsDb.ConnectionName,
            [ResourceNames.Usage] = Cic.Usage.UsageDb.ConnectionName,
            [ResourceNames.Billing] = Cic.Billing.BillingDb.ConnectionName,
            [ResourceNames.Notifications] = Cic.Notifications.NotificationsDb.ConnectionName,
        };

        Assert.Equal(read.OrderBy(r => r.Key), ResourceNames.Databases.ToDictionary(d => d.Service, d => d.ConnectionName).OrderBy(r => r.Key));
        Assert.Equal(ResourceNames.Messaging, Cic.ServiceDefaults.Messaging.MessagingExtensions.ConnectionName);
    }

    /// <summary>The service's project folder, e.g. <c>Accounts</c> for the resource <c>accounts</c>.</summary>
    internal static string ProjectFolder(string service) => char.ToUpperInvariant(service[0]) + service[1..];
}
