using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Cic.ServiceDefaults.Persistence;

/// <summary>
/// Applies the service's migrations when it starts. It runs as the first hosted service, so the bus
/// does not consume and the web server does not answer until the schema is current. Several
/// instances starting at once are safe: EF Core takes a database lock while migrating. With
/// <c>Database:MigrateOnly</c> the service stops once the schema is current (a deployment's migration job).
/// </summary>
internal sealed partial class DatabaseMigrator<TDb>(
    IServiceScopeFactory scopes,
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    ILogger<DatabaseMigrator<TDb>> log) : IHostedService where TDb : DbContext
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var patience = configuration.GetValue("Database:StartupTimeout", TimeSpan.FromMinutes(2));
        var deadline = DateTimeOffset.UtcNow + patience;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<TDb>();
                await db.Database.MigrateAsync(cancellationToken);
                LogMigrated(typeof(TDb).Name);
                if (configuration.GetValue<bool>(DatabaseExtensions.MigrateOnlyKey))
                {
                    // Stopping while the host is still starting would fail the start (exit code 134), so
                    // the stop waits until everything has started, and then ends the process cleanly.
                    lifetime.ApplicationStarted.Register(() =>
                    {
                        LogStoppingAfterMigration();
                        lifetime.StopApplication();
                    });
                }

                return;
            }
            catch (Exception e) when (IsServerUnavailable(e) && DateTimeOffset.UtcNow < deadline)
            {
                LogWaiting(typeof(TDb).Name, attempt, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static bool IsServerUnavailable(Exception e) => e switch
    {
        NpgsqlException { IsTransient: true } => true,
        NpgsqlException { InnerException: SocketException } => true,
        PostgresException { SqlState: PostgresErrorCodes.CannotConnectNow } => true,
        _ => e.InnerException is not null && IsServerUnavailable(e.InnerException),
    };

    [LoggerMessage(LogLevel.Information, "Database of {Context} is up to date")]
    private partial void LogMigrated(string context);

    [LoggerMessage(LogLevel.Information, "Migrations only (Database:MigrateOnly): stopping")]
    private partial void LogStoppingAfterMigration();

    [LoggerMessage(LogLevel.Warning, "Database of {Context} not reachable yet (attempt {Attempt}): {Reason}")]
    private partial void LogWaiting(string context, int attempt, string reason);
}
