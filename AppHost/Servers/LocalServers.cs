using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using RabbitMQ.Client;

namespace Cic.AppHost.Servers;

/// <summary>
/// The servers as local executables from Debian's packages (<c>./cic</c> installs them), run by the scripts in
/// <c>deploy/local/</c> on fixed loopback ports with their data under <see cref="ServerSettings.DataDirectory"/>.
/// Each is healthy once it answers as its clients will use it: a PostgreSQL query, an AMQP connection, an SMTP greeting.
/// </summary>
internal static class LocalServers
{
    private const string PostgresCredentials = "Username=cic;Password=cic-local";
    private const string RabbitCredentials = "cic:cic-local";

    public static PlatformServers Add(IDistributedApplicationBuilder builder, ServerSettings settings)
    {
        var root = Repository.Root(builder);
        var data = settings.DataPath(builder);
        var scripts = Path.Combine(root, "deploy", "local");
        string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

        var postgresServer = $"Host=127.0.0.1;Port={Port(settings.PostgresPort)};{PostgresCredentials}";
        var postgres = builder.AddExecutable(ResourceNames.Postgres, Path.Combine(scripts, "postgres-server.sh"), root,
                "run", Path.Combine(data, "postgres"), Port(settings.PostgresPort))
            .WithEndpoint(name: "tcp", port: settings.PostgresPort, targetPort: settings.PostgresPort, scheme: "tcp", isProxied: false)
            .WithHealthCheck(AddCheck(builder, ResourceNames.Postgres, cancellationToken => PostgresAnswersAsync(postgresServer + ";Database=postgres", cancellationToken)));
        var databases = ResourceNames.Databases.ToDictionary(
            database => database.Service,
            database => (IResourceBuilder<IResourceWithConnectionString>)builder.AddConnectionString(database.ConnectionName,
                ReferenceExpression.Create($"{postgresServer};Database={database.DatabaseName}")));

        var amqp = $"amqp://{RabbitCredentials}@127.0.0.1:{Port(settings.AmqpPort)}/";
        var rabbit = builder.AddExecutable(ResourceNames.RabbitMq, Path.Combine(scripts, "rabbitmq-node.sh"), root,
                "run", Path.Combine(data, "rabbitmq"), $"cic-{Port(settings.AmqpPort)}", Port(settings.AmqpPort), Port(settings.ManagementPort), Port(settings.DistributionPort))
            .WithEndpoint(name: "amqp", port: settings.AmqpPort, targetPort: settings.AmqpPort, scheme: "amqp", isProxied: false)
            .WithHttpEndpoint(name: "management", port: settings.ManagementPort, targetPort: settings.ManagementPort, isProxied: false)
            .WithEnvironment("RABBITMQ_DEFAULT_USER", "cic")
            .WithEnvironment("RABBITMQ_DEFAULT_PASS", "cic-local")
            .WithHealthCheck(AddCheck(builder, ResourceNames.RabbitMq, cancellationToken => RabbitAnswersAsync(amqp, cancellationToken)));
        var messaging = builder.AddConnectionString(ResourceNames.Messaging, ReferenceExpression.Create($"{amqp}"));

        // Sent mail is stored as files, one per message, instead of leaving the machine.
        var mail = builder.AddExecutable(ResourceNames.Mail, "/usr/bin/python3", root,
                Path.Combine(scripts, "smtp-sink.py"), "--port", Port(settings.SmtpPort), "--dir", Path.Combine(data, "mail"))
            .WithEndpoint(name: "smtp", port: settings.SmtpPort, targetPort: settings.SmtpPort, scheme: "smtp", isProxied: false)
            .WithHealthCheck(AddCheck(builder, ResourceNames.Mail, cancellationToken => SmtpAnswersAsync(settings.SmtpPort, cancellationToken)));

        return new PlatformServers(databases, messaging, [postgres, rabbit, mail], mail.GetEndpoint("smtp"));
    }

    private static string AddCheck(IDistributedApplicationBuilder builder, string resource, Func<CancellationToken, Task<bool>> answers)
    {
        var key = $"{resource}-answers";
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async cancellationToken =>
        {
            try
            {
                return await answers(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        });
        return key;
    }

    private static async Task<bool> PostgresAnswersAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Timeout=3;Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        return await command.ExecuteScalarAsync(cancellationToken) is 1;
    }

    private static async Task<bool> RabbitAnswersAsync(string amqp, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = new Uri(amqp), RequestedConnectionTimeout = TimeSpan.FromSeconds(3), AutomaticRecoveryEnabled = false };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        return connection.IsOpen;
    }

    private static async Task<bool> SmtpAnswersAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, cancellationToken);
        using var reader = new StreamReader(client.GetStream());
        var greeting = await reader.ReadLineAsync(cancellationToken);
        return greeting?.StartsWith("220", StringComparison.Ordinal) == true;
    }
}
