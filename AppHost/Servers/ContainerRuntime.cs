using System.Diagnostics;

namespace Cic.AppHost.Servers;

/// <summary>
/// Whether Docker or Podman answers. Without one, DCP never fails a container: it waits for ever, and so would
/// every service waiting for its database.
/// </summary>
internal static class ContainerRuntime
{
    public static (bool Answers, string Why) Probe()
    {
        foreach (var runtime in new[] { "docker", "podman" })
        {
            if (Answers(runtime))
            {
                return (true, $"'{runtime} info' answered");
            }
        }

        return (false, "neither 'docker info' nor 'podman info' answered");
    }

    private static bool Answers(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            process.StandardOutput.ReadToEndAsync();
            process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }
}
