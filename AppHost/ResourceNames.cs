namespace Cic.AppHost;

/// <summary>
/// The names the AppHost gives its resources. A resource's name is the key its consumers read
/// (<c>ConnectionStrings__{name}</c>), so these are the names the services read, one for one. Plain C#
/// without Aspire types: the deployment tests compile this file too and check it against the Kubernetes manifests.
/// </summary>
public static class ResourceNames
{
    public const string Postgres = "postgres";

    public const string AccountsDatabase = "accounts-db";
    public const string UsageDatabase = "usage-db";
    public const string BillingDatabase = "billing-db";
    public const string NotificationsDatabase = "notifications-db";

    /// <summary>RabbitMQ, read by every service as an amqp:// URI.</summary>
    public const string Messaging = "messaging";

    /// <summary>The RabbitMQ server when it runs as a local executable (<see cref="Messaging"/> is then its connection).</summary>
    public const string RabbitMq = "rabbitmq";

    public const string Accounts = "accounts";
    public const string Usage = "usage";
    public const string Billing = "billing";
    public const string Notifications = "notifications";

    /// <summary>The project's Stripe emulator, run when no Stripe key is given.</summary>
    public const string StripeEmulator = "stripe-emulator";

    /// <summary>A mail sink that receives what Notifications sends.</summary>
    public const string Mail = "mail";

    public const string StripeSecretKey = "stripe-secret-key";
    public const string StripeWebhookSecret = "stripe-webhook-secret";
    public const string StripePublishableKey = "stripe-publishable-key";
    public const string StripePriceLookupKey = "stripe-price-lookup-key";
    public const string StripeMeterEventName = "stripe-meter-event-name";
    public const string StripeTestClock = "stripe-test-clock";
    public const string StripeRequestsPerSecond = "stripe-requests-per-second";

    /// <summary>Every service with the database it owns.</summary>
    public static IReadOnlyList<ServiceDatabase> Databases { get; } =
    [
        new(Accounts, AccountsDatabase, "accounts"),
        new(Usage, UsageDatabase, "usage"),
        new(Billing, BillingDatabase, "billing"),
        new(Notifications, NotificationsDatabase, "notifications"),
    ];

    /// <summary>The environment variable a connection name reaches a service as.</summary>
    public static string ConnectionStringVariable(string connectionName) => $"ConnectionStrings__{connectionName}";
}

/// <summary>A service's own database: the connection name it reads and the database's name on the server.</summary>
public sealed record ServiceDatabase(string Service, string ConnectionName, string DatabaseName);
