using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Cic.AppHost;
using Cic.ServiceDefaults.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace Cic.EndToEnd.Tests.Platform;

/// <summary>
/// The running AppHost hands every service the connections under the very names the service reads (the constants
/// its code uses), and describes nothing the platform does not have.
/// </summary>
public sealed class AppHostModelTests(RunningPlatform platform)
{
    public static TheoryData<string, string> ServiceDatabases => new()
    {
        { ResourceNames.Accounts, Cic.Accounts.AccountsDb.ConnectionName },
        { ResourceNames.Usage, Cic.Usage.UsageDb.ConnectionName },
        { ResourceNames.Billing, Cic.Billing.BillingDb.ConnectionName },
        { ResourceNames.Notifications, Cic.Notifications.NotificationsDb.ConnectionName },
    };

    [Theory]
    [MemberData(nameof(ServiceDatabases))]
    public async Task A_service_is_handed_its_database_and_the_broker_under_the_names_it_reads(string service, string database)
    {
        var resource = Model().Resources.OfType<ProjectResource>().Single(r => r.Name == service);

        // What the resource is started with, resolved as in a run. The replacement (ExecutionConfigurationBuilder) needs
        // the executor's own gatherers; this reader is the one meant for tests.
#pragma warning disable CS0618
        var environment = await resource.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Run);
#pragma warning restore CS0618

        Assert.Contains($"ConnectionStrings__{database}", environment.Keys);
        Assert.Contains($"ConnectionStrings__{MessagingExtensions.ConnectionName}", environment.Keys);
        Assert.Equal(database, ResourceNames.Databases.Single(d => d.Service == service).ConnectionName);
        Assert.Equal("127.0.0.1", new Npgsql.NpgsqlConnectionStringBuilder(environment[$"ConnectionStrings__{database}"]).Host);
    }

    [Fact]
    public void The_AppHost_describes_the_servers_the_Stripe_emulator_and_the_four_services()
    {
        var names = Model().Resources.Select(r => r.Name).ToHashSet();

        Assert.Superset(
            new HashSet<string>(
            [
                ResourceNames.Postgres, ResourceNames.RabbitMq, ResourceNames.Messaging, ResourceNames.Mail, ResourceNames.StripeEmulator,
                ResourceNames.Accounts, ResourceNames.Usage, ResourceNames.Billing, ResourceNames.Notifications,
                .. ResourceNames.Databases.Select(d => d.ConnectionName),
            ]),
            names);
        Assert.Equal(5, Model().Resources.OfType<ProjectResource>().Count());
    }

    public static TheoryData<string> Services => [ResourceNames.Accounts, ResourceNames.Usage, ResourceNames.Billing, ResourceNames.Notifications];

    [Theory]
    [MemberData(nameof(Services))]
    public async Task The_dashboard_lists_every_service_with_its_telemetry(string service)
    {
        Assert.False(await platform.Dashboard.ListsAsync($"not-{service}", TestContext.Current.CancellationToken));
        await Cic.Testing.Eventually.IsTrue(
            () => platform.Dashboard.ListsAsync(service, TestContext.Current.CancellationToken),
            $"the dashboard to list {service}");
    }

    [Fact]
    public async Task The_dashboards_reconcile_command_runs_the_reconciliation_as_staff()
    {
        var result = await platform.App.ResourceCommands.ExecuteCommandAsync(ResourceNames.Billing, "reconcile-with-stripe", TestContext.Current.CancellationToken);

        Assert.True(result.Success, result.Message);
        Assert.Contains("\"customers\"", result.Message, StringComparison.Ordinal);
    }

    private DistributedApplicationModel Model() => platform.App.Services.GetRequiredService<DistributedApplicationModel>();
}
