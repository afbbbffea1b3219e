using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace Cic.Testing;

/// <summary>
/// The PostgreSQL and RabbitMQ servers the tests run against, found once per test process: the
/// local servers <c>./cic test</c> starts (<c>CIC_POSTGRES</c>, <c>CIC_RABBITMQ</c>,
/// <c>CIC_RABBITMQ_MANAGEMENT</c>), or containers where a Docker daemon answers. The benchmarks use the same
/// servers (<see cref="Local"/>: only those <c>./cic</c> starts).
/// </summary>
public sealed class TestServers
{
    private static readonly Lazy<Task<TestServers>> Shared = new(DiscoverAsync);

    private TestServers(string postgres, Uri rabbitMq, Uri management)
    {
        Postgres = postgres;
        RabbitMq = rabbitMq;
        RabbitMqManagement = management;
    }

    /// <summary>Connection string of a PostgreSQL login that may create databases; names no database.</summary>
    public string Postgres { get; }

    /// <summary>amqp:// URI with credentials, of the root virtual host.</summary>
    public Uri RabbitMq { get; }

    /// <summary>http:// URI with credentials of RabbitMQ's management API.</summary>
    public Uri RabbitMqManagement { get; }

    public static Task<TestServers> GetAsync() => Shared.Value;

    /// <summary>A new, empty database for one test class; dropped when disposed.</summary>
    public Task<TestDatabase> CreateDatabaseAsync(string purpose) => TestDatabase.CreateAsync(Postgres, purpose);

    /// <summary>The database <paramref name="name"/>, created unless it exists (a benchmark's data set); dropped when disposed unless kept.</summary>
    public Task<TestDatabase> DatabaseAsync(string name) => TestDatabase.OpenOrCreateAsync(Postgres, name);

    /// <summary>A new virtual host for one test class, so its queues and messages are its own; deleted when disposed.</summary>
    public Task<TestVirtualHost> CreateVirtualHostAsync(string purpose) => TestVirtualHost.CreateAsync(RabbitMq, RabbitMqManagement, purpose);

    /// <summary>The local servers <c>./cic</c> started, from its environment variables; null when they are not set.</summary>
    public static TestServers? Local()
    {
        var postgres = Environment.GetEnvironmentVariable("CIC_POSTGRES");
        var rabbit = Environment.GetEnvironmentVariable("CIC_RABBITMQ");
        var management = Environment.GetEnvironmentVariable("CIC_RABBITMQ_MANAGEMENT");
        return !string.IsNullOrEmpty(postgres) && !string.IsNullOrEmpty(rabbit) && !string.IsNullOrEmpty(management)
            ? new TestServers(postgres, new Uri(rabbit), new Uri(management))
            : null;
    }

    private static async Task<TestServers> DiscoverAsync()
    {
        if (Local() is { } local)
        {
            return local;
        }

        if (DockerMayAnswer())
        {
            try
            {
                return await StartContainersAsync();
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(NoServers + " (Starting containers failed: " + e.Message + ")", e);
            }
        }

        throw new InvalidOperationException(NoServers);
    }

    private const string NoServers =
        "The tests need real PostgreSQL and RabbitMQ servers. Run them with ./cic test, which starts local servers " +
        "and sets CIC_POSTGRES, CIC_RABBITMQ and CIC_RABBITMQ_MANAGEMENT; or run ./cic up once and export what " +
        "'deploy/local/servers.sh env' prints; or make a Docker daemon available for Testcontainers.";

    private static bool DockerMayAnswer() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")) || File.Exists("/var/run/docker.sock");

    private static async Task<TestServers> StartContainersAsync()
    {
        // Left running for the whole test process; Testcontainers' reaper removes them afterwards.
        var postgres = new PostgreSqlBuilder("postgres:15").Build();
        var rabbit = new RabbitMqBuilder("rabbitmq:3.13-management").Build();
        await Task.WhenAll(postgres.StartAsync(), rabbit.StartAsync());

        var admin = new NpgsqlConnectionStringBuilder(postgres.GetConnectionString()) { Database = null };
        var amqp = new Uri(rabbit.GetConnectionString());
        var management = new UriBuilder("http", rabbit.Hostname, rabbit.GetMappedPublicPort(15672))
        {
            UserName = "rabbitmq",
            Password = "rabbitmq",
        }.Uri;
        return new TestServers(admin.ConnectionString, amqp, management);
    }
}
