namespace Cic.AppHost.Servers;

/// <summary>The servers as Aspire's ordinary containers, with their data in volumes.</summary>
internal static class ContainerServers
{
    public static PlatformServers Add(IDistributedApplicationBuilder builder)
    {
        var postgres = builder.AddPostgres(ResourceNames.Postgres).WithDataVolume();
        var databases = ResourceNames.Databases.ToDictionary(
            database => database.Service,
            database => (IResourceBuilder<IResourceWithConnectionString>)postgres.AddDatabase(database.ConnectionName, database.DatabaseName));

        // RabbitMQ 4.2, not Aspire's default 4.3: MassTransit 8 declares each instance's bus queue non-durable
        // and non-exclusive, which RabbitMQ 4.3 refuses by default (see docs/deployment.md).
        var messaging = builder.AddRabbitMQ(ResourceNames.Messaging)
            .WithImageTag("4.2")
            .WithManagementPlugin()
            .WithDataVolume();

        // Catches the emails Notifications sends; they can be read in its web UI.
        var mail = builder.AddContainer(ResourceNames.Mail, "axllent/mailpit", "v1.22.3")
            .WithHttpEndpoint(targetPort: 8025, name: "http")
            .WithEndpoint(targetPort: 1025, name: "smtp");

        return new PlatformServers(databases, messaging, [.. databases.Values, messaging, mail], mail.GetEndpoint("smtp"));
    }
}
