using Cic.ServiceDefaults.Background;
using Cic.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Cic.ServiceDefaults.Persistence;

public static class DatabaseExtensions
{
    /// <summary>Tag of the checks that must pass before a service takes traffic.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Set to <c>true</c> (<c>Database__MigrateOnly=true</c>), the service applies its migrations and then
    /// stops with exit code 0: how a deployment migrates before rolling out new instances.
    /// </summary>
    public const string MigrateOnlyKey = "Database:MigrateOnly";

    /// <summary>
    /// The service's own PostgreSQL database from <c>ConnectionStrings:{connectionName}</c>: EF Core with
    /// snake_case names, a readiness check, and its migrations applied at start-up, before anything
    /// else starts (retrying while the server comes up), and one <see cref="NpgsqlDataSource"/> for the
    /// connections the service opens itself (<see cref="PostgresLocks.TryHoldAsync"/>). Call it before <c>AddMessaging</c>.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase<TDb>(this IHostApplicationBuilder builder, string connectionName)
        where TDb : DbContext
    {
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<WakeAfterCommit>();
        // Read when first needed rather than now, so hosts that add configuration late (tests) are honoured.
        builder.Services.AddDbContext<TDb>((services, options) => options
            .UseNpgsql(RequiredConnectionString(services.GetRequiredService<IConfiguration>(), connectionName))
            .UseSnakeCaseNamingConvention()
            .AddInterceptors(services.GetRequiredService<WakeAfterCommit>()));

        builder.Services.AddSingleton(services =>
            NpgsqlDataSource.Create(RequiredConnectionString(services.GetRequiredService<IConfiguration>(), connectionName)));

        // The messaging plumbing (inbox, outbox relay) works on "the service's database" without knowing its type.
        builder.Services.AddScoped<DbContext>(services => services.GetRequiredService<TDb>());

        builder.Services.AddHealthChecks().AddDbContextCheck<TDb>("database", tags: [ReadyTag]);
        builder.Services.AddHostedService<DatabaseMigrator<TDb>>();
        return builder;
    }

    /// <summary>A connection string the service cannot run without, or an error that says how to provide it.</summary>
    public static string RequiredConnectionString(IConfiguration configuration, string name)
    {
        var value = configuration.GetConnectionString(name);
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException(
                $"ConnectionStrings:{name} is not set. Run the service with ./cic up, or set ConnectionStrings__{name}.")
            : value;
    }
}
