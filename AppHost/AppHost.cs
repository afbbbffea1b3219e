using Cic.AppHost;

// The platform under .NET Aspire: PostgreSQL, RabbitMQ, a mail catcher and the four services, with the
// dashboard for traces, logs and metrics. Needs Docker and the public NuGet feed; without them, ./cic up
// runs the same services on local servers. Every service reads what this file hands it under the names
// in ResourceNames, exactly as ./cic up and the Kubernetes manifests hand it.
var builder = DistributedApplication.CreateBuilder(args);

// One PostgreSQL server; each service owns one database on it.
var postgres = builder.AddPostgres(ResourceNames.Postgres)
    .WithDataVolume();
var databases = ResourceNames.Databases.ToDictionary(
    database => database.Service,
    database => postgres.AddDatabase(database.ConnectionName, database.DatabaseName));

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

IResourceBuilder<ProjectResource> AddService<TProject>(string name) where TProject : IProjectMetadata, new()
{
    var database = databases[name];
    return builder.AddProject<TProject>(name)
        .WithReference(database).WaitFor(database)
        .WithReference(messaging).WaitFor(messaging)
        // Healthy only once its database and the broker answer too.
        .WithHttpHealthCheck("/health")
        .WithExternalHttpEndpoints();
}

AddService<Projects.Cic_Accounts>(ResourceNames.Accounts);
AddService<Projects.Cic_Usage>(ResourceNames.Usage);
var billing = AddService<Projects.Cic_Billing>(ResourceNames.Billing);
AddService<Projects.Cic_Notifications>(ResourceNames.Notifications)
    .WithEnvironment(context =>
    {
        var smtp = mail.GetEndpoint("smtp");
        context.EnvironmentVariables["Smtp__Host"] = smtp.Property(EndpointProperty.Host);
        context.EnvironmentVariables["Smtp__Port"] = smtp.Property(EndpointProperty.Port);
        context.EnvironmentVariables["Smtp__UseTls"] = "false";
        context.EnvironmentVariables["Smtp__From"] = "CIC Billing <billing@cic.localhost>";
    })
    .WaitFor(mail);

// Stripe. The settings are read from this AppHost's configuration under the keys the Billing service
// reads (Stripe__SecretKey in the environment, or Stripe:SecretKey in its user secrets), so the same
// environment serves ./cic up and the AppHost. Without a secret key, Billing talks to the emulator.
if (!string.IsNullOrWhiteSpace(builder.Configuration["Stripe:SecretKey"]))
{
    billing
        .WithEnvironment("Stripe__SecretKey", builder.AddParameterFromConfiguration(ResourceNames.StripeSecretKey, "Stripe:SecretKey", secret: true))
        .WithEnvironment("Stripe__WebhookSecret", builder.AddParameterFromConfiguration(ResourceNames.StripeWebhookSecret, "Stripe:WebhookSecret", secret: true))
        .WithEnvironment("Stripe__PublishableKey", builder.AddParameterFromConfiguration(ResourceNames.StripePublishableKey, "Stripe:PublishableKey"));

    // Optional: without them the Billing service uses its defaults.
    (string Setting, string Parameter)[] optional =
    [
        ("PriceLookupKey", ResourceNames.StripePriceLookupKey),
        ("MeterEventName", ResourceNames.StripeMeterEventName),
        ("TestClock", ResourceNames.StripeTestClock),
    ];
    foreach (var (setting, parameter) in optional.Where(o => !string.IsNullOrWhiteSpace(builder.Configuration[$"Stripe:{o.Setting}"])))
    {
        billing.WithEnvironment($"Stripe__{setting}", builder.AddParameterFromConfiguration(parameter, $"Stripe:{setting}"));
    }
}
else
{
    // The emulator listens where ./cic up runs it; its appsettings.json names that address.
    const string EmulatorWebhookSecret = "whsec_cic_local_emulator";
    var emulator = builder.AddProject<Projects.Cic_StripeEmulator>(ResourceNames.StripeEmulator)
        .WithHttpEndpoint(port: 12111, targetPort: 12111, name: "http", isProxied: false)
        .WithHttpHealthCheck("/health")
        .WithEnvironment(context =>
        {
            context.EnvironmentVariables["Emulator__WebhookUrl"] = ReferenceExpression.Create($"{billing.GetEndpoint("http")}/stripe/webhooks");
            context.EnvironmentVariables["Emulator__WebhookSecret"] = EmulatorWebhookSecret;
        });

    billing
        .WithEnvironment("Stripe__ApiBase", emulator.GetEndpoint("http"))
        .WithEnvironment("Stripe__SecretKey", "sk_test_cic_emulator")
        .WithEnvironment("Stripe__PublishableKey", "pk_test_cic_emulator")
        .WithEnvironment("Stripe__WebhookSecret", EmulatorWebhookSecret)
        .WaitFor(emulator);
}

builder.Build().Run();
