using Microsoft.Extensions.Configuration;

namespace Cic.AppHost.Servers;

/// <summary>
/// The servers the services use, whichever way they run: one connection per service database, the broker,
/// and the mail sink's SMTP address. Services reference the connections and wait for <see cref="WaitFor"/>.
/// </summary>
internal sealed record PlatformServers(
    IReadOnlyDictionary<string, IResourceBuilder<IResourceWithConnectionString>> Databases,
    IResourceBuilder<IResourceWithConnectionString> Messaging,
    IReadOnlyList<IResourceBuilder<IResource>> WaitFor,
    EndpointReference Smtp)
{
    /// <summary>
    /// Containers where a container runtime answers (CIC's machines with Docker or Podman), local executables
    /// from the operating system's packages where none does (these machines, CI); <c>Servers:Mode</c>
    /// (<c>containers</c>, <c>executables</c>, <c>auto</c>) forces the choice.
    /// </summary>
    public static PlatformServers Add(IDistributedApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("Servers").Get<ServerSettings>() ?? new ServerSettings();
        var (containers, why) = settings.Mode switch
        {
            "containers" => (true, "Servers:Mode is 'containers'"),
            "executables" => (false, "Servers:Mode is 'executables'"),
            "auto" or null or "" => ContainerRuntime.Probe(),
            var other => throw new InvalidOperationException($"Servers:Mode is '{other}': use containers, executables or auto."),
        };
        Console.WriteLine(containers
            ? $"cic: PostgreSQL, RabbitMQ and the mail sink run as containers ({why})."
            : $"cic: PostgreSQL, RabbitMQ and the mail sink run as local executables ({why}); data under {settings.DataPath(builder)}.");
        return containers ? ContainerServers.Add(builder) : LocalServers.Add(builder, settings);
    }
}

/// <summary>Configuration section <c>Servers</c>: how the servers run and, as local executables, where.</summary>
internal sealed class ServerSettings
{
    public string? Mode { get; set; }

    /// <summary>Folder of the servers' data and logs, relative to the repository root unless absolute.</summary>
    public string DataDirectory { get; set; } = ".local";

    public int PostgresPort { get; set; } = 54329;

    public int AmqpPort { get; set; } = 56729;

    public int ManagementPort { get; set; } = 56739;

    public int DistributionPort { get; set; } = 56749;

    public int SmtpPort { get; set; } = 2525;

    public string DataPath(IDistributedApplicationBuilder builder) =>
        Path.GetFullPath(Path.Combine(Repository.Root(builder), DataDirectory));
}

internal static class Repository
{
    public static string Root(IDistributedApplicationBuilder builder) => Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
}
