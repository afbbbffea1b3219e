using Cic.AppHost;
using Cic.AppHost.Commands;
using Cic.AppHost.Servers;

// The platform, as one .NET Aspire application: PostgreSQL, RabbitMQ and a mail sink (containers where Docker or
// Podman answers, local executables otherwise), the Stripe emulator (or real Stripe), and the four services,
// each waiting for what it uses. ./cic up runs it; the end-to-end tests start it with Aspire.Hosting.Testing.
var builder = DistributedApplication.CreateBuilder(args);

var servers = PlatformServers.Add(builder);
var stripe = BillingStripe.Add(builder);
var dashboardToken = DashboardToken.Create();

IResourceBuilder<ProjectResource> AddService<TProject>(string name) where TProject : IProjectMetadata, new()
{
    var service = builder.AddProject<TProject>(name)
        .WithReference(servers.Databases[name])
        .WithReference(servers.Messaging)
        .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
        // Healthy only once its database and the broker answer too; Degraded, with the reason, while its pipeline lags.
        .WithServiceHealth()
        .WithExternalHttpEndpoints();
    foreach (var server in servers.WaitFor)
    {
        service.WaitFor(server);
    }

    return dashboardToken.AcceptedBy(service).WithErrorQueueCommands(dashboardToken);
}

AddService<Projects.Cic_Accounts>(ResourceNames.Accounts);
AddService<Projects.Cic_Usage>(ResourceNames.Usage);
var billing = AddService<Projects.Cic_Billing>(ResourceNames.Billing)
    .WithReconcileCommand(dashboardToken);
stripe.Configure(billing);
AddService<Projects.Cic_Notifications>(ResourceNames.Notifications)
    .WithEnvironment(context =>
    {
        context.EnvironmentVariables["Smtp__Host"] = servers.Smtp.Property(EndpointProperty.Host);
        context.EnvironmentVariables["Smtp__Port"] = servers.Smtp.Property(EndpointProperty.Port);
        context.EnvironmentVariables["Smtp__UseTls"] = "false";
        context.EnvironmentVariables["Smtp__From"] = "CIC Billing <billing@cic.localhost>";
    });

builder.Build().Run();
