using Cic.AppHost;
using Cic.Testing;

namespace Cic.Deployment.Tests;

/// <summary>
/// Every service has its database in the AppHost's names (AppHost/ResourceNames.cs). That the running AppHost hands
/// each service what it reads is shown by the end-to-end suite (AppHostModelTests).
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

    /// <summary>The service's project folder, e.g. <c>Accounts</c> for the resource <c>accounts</c>.</summary>
    internal static string ProjectFolder(string service) => char.ToUpperInvariant(service[0]) + service[1..];
}
