using System.Text.RegularExpressions;
using Cic.AppHost;
using Cic.Testing;

namespace Cic.Deployment.Tests;

/// <summary>
/// The names the services read their connection strings under are the names the AppHost gives its
/// resources (AppHost/ResourceNames.cs), one for one.
/// </summary>
public sealed partial class ConnectionNameTests
{
    private static readonly string Root = RepositoryRoot.Find();

    public static TheoryData<string> Services => [.. ResourceNames.Databases.Select(database => database.Service)];

    [Theory]
    [MemberData(nameof(Services))]
    public void A_service_reads_its_database_under_the_name_the_AppHost_gives_it(string service)
    {
        var program = File.ReadAllText(Path.Combine(Root, "services", ProjectFolder(service), "Program.cs"));

        var read = ServiceDatabaseCall().Matches(program).Select(match => match.Groups["name"].Value).ToList();

        var expected = ResourceNames.Databases.Single(database => database.Service == service).ConnectionName;
        Assert.Equal([expected], read);
    }

    [Fact]
    public void Every_service_has_a_database_in_the_AppHost()
    {
        var services = Directory.GetDirectories(Path.Combine(Root, "services")).Select(Path.GetFileName).Order();

        Assert.Equal(ResourceNames.Databases.Select(database => ProjectFolder(database.Service)).Order(), services);
    }

    [Fact]
    public void Every_service_reads_the_broker_under_the_name_the_AppHost_gives_it()
    {
        var messaging = File.ReadAllText(Path.Combine(Root, "ServiceDefaults", "Messaging", "MessagingExtensions.cs"));

        var read = BrokerConnectionCall().Matches(messaging).Select(match => match.Groups["name"].Value).ToList();

        Assert.Equal([ResourceNames.Messaging], read);
        foreach (var service in ResourceNames.Databases.Select(database => database.Service))
        {
            Assert.Contains(".AddMessaging(", File.ReadAllText(Path.Combine(Root, "services", ProjectFolder(service), "Program.cs")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_AppHost_names_its_resources_only_through_ResourceNames()
    {
        var appHost = File.ReadAllText(Path.Combine(Root, "AppHost", "AppHost.cs"));

        // A literal name here could drift from what the services and the manifests use.
        Assert.Empty(LiteralResourceName().Matches(appHost));
        foreach (var name in new[] { nameof(ResourceNames.Postgres), nameof(ResourceNames.Messaging), nameof(ResourceNames.Databases) })
        {
            Assert.Contains($"ResourceNames.{name}", appHost, StringComparison.Ordinal);
        }

        foreach (var service in ResourceNames.Databases.Select(database => ProjectFolder(database.Service)))
        {
            Assert.Contains($"AddService<Projects.Cic_{service}>(ResourceNames.{service})", appHost, StringComparison.Ordinal);
        }
    }

    /// <summary>The service's project folder, e.g. <c>Accounts</c> for the resource <c>accounts</c>.</summary>
    internal static string ProjectFolder(string service) => char.ToUpperInvariant(service[0]) + service[1..];

    [GeneratedRegex("""AddServiceDatabase<\w+>\("(?<name>[^"]+)"\)""")]
    private static partial Regex ServiceDatabaseCall();

    [GeneratedRegex("""RequiredConnectionString\([^,]+,\s*"(?<name>[^"]+)"\)""")]
    private static partial Regex BrokerConnectionCall();

    [GeneratedRegex(@"\.Add(Postgres|RabbitMQ|Database|Project<[\w.]+>|Container|Parameter\w*)\(\s*""")]
    private static partial Regex LiteralResourceName();
}
