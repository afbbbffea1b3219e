using System.Globalization;
using System.Text;

namespace Cic.Benchmarks;

/// <summary>
/// Where the machine's CPU went during a phase, per process group: the broker, the database, the service under test,
/// the benchmark itself, everything else, and idle. On a machine where all of them share a few cores, this is what
/// explains a ratio: a path that keeps every core busy can only go faster by spending less CPU somewhere.
/// Read from /proc: the utime + stime each process gained during the phase (all of it for processes started within
/// it); processes that ended within the phase are missing, which on these long-lived connections is little.
/// </summary>
public sealed class CpuProfile
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>The process each group is, with its descendants: (name, root pid or null when not found).</summary>
    private readonly IReadOnlyList<(string Name, int? Root)> _groups;
    private readonly Dictionary<int, ProcessInfo> _start;
    private readonly long _idleStart;
    private readonly long _totalStart;

    private CpuProfile(IReadOnlyList<(string Name, int? Root)> groups)
    {
        _groups = groups;
        (_idleStart, _totalStart) = MachineTicks();
        _start = Processes();
    }

    /// <summary>
    /// Starts measuring, grouping the processes as RabbitMQ (the node serving <paramref name="amqpPort"/>), PostgreSQL
    /// (the server on <paramref name="postgresPort"/>), <paramref name="serviceName"/> (process <paramref name="servicePid"/>),
    /// this benchmark, and the rest; each with its descendants (PostgreSQL's backends, RabbitMQ's helpers).
    /// </summary>
    public static CpuProfile Start(int amqpPort, int postgresPort, string serviceName, int servicePid)
    {
        var processes = Processes();
        int? Find(Func<int, ProcessInfo, bool> matches) => processes.Where(p => matches(p.Key, p.Value)).Select(p => (int?)p.Key).FirstOrDefault();
        return new CpuProfile(
        [
            ("rabbitmq", Find((pid, p) => p.Comm == "beam.smp"
                && Read($"/proc/{pid}/environ").Contains($"RABBITMQ_NODENAME=cic-{amqpPort}@", StringComparison.Ordinal))),
            ("postgres", Find((pid, p) => p.Comm == "postgres"
                && Read($"/proc/{pid}/cmdline").Contains($"port={postgresPort}", StringComparison.Ordinal))),
            (serviceName, servicePid),
            ("benchmark", Environment.ProcessId),
        ]);
    }

    /// <summary>The CPU seconds of each group since the start, and the machine's idle time, on one line.</summary>
    public string Stop()
    {
        var processes = Processes();
        var (idleEnd, totalEnd) = MachineTicks();
        var sums = _groups.Select(g => g.Name).Append("other").ToDictionary(n => n, _ => 0L);
        foreach (var (pid, info) in processes)
        {
            var before = _start.TryGetValue(pid, out var then) && then.Comm == info.Comm ? then.Ticks : 0;
            sums[GroupOf(pid, processes)] += info.Ticks - before;
        }

        var line = new StringBuilder("cpu seconds:");
        foreach (var (name, ticks) in sums)
        {
            line.Append(CultureInfo.InvariantCulture, $" {name} {ticks / TicksPerSecond:F1},");
        }

        line.Append(CultureInfo.InvariantCulture,
            $" idle {(idleEnd - _idleStart) / TicksPerSecond:F1} of {(totalEnd - _totalStart) / TicksPerSecond:F1} ({Environment.ProcessorCount} cores)");
        return line.ToString();
    }

    /// <summary>The group of the nearest ancestor (or the process itself) that is a group's root.</summary>
    private string GroupOf(int pid, Dictionary<int, ProcessInfo> processes)
    {
        for (var p = pid; p > 1 && processes.TryGetValue(p, out var info); p = info.Parent)
        {
            foreach (var (name, root) in _groups)
            {
                if (root == p)
                {
                    return name;
                }
            }
        }

        return "other";
    }

    /// <summary>(idle, total) jiffies of all cores, from the first line of /proc/stat.</summary>
    private static (long Idle, long Total) MachineTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already in user)
        return (fields[3] + fields[4], fields.Take(8).Sum());
    }

    private sealed record ProcessInfo(string Comm, int Parent, long Ticks);

    private static Dictionary<int, ProcessInfo> Processes()
    {
        var processes = new Dictionary<int, ProcessInfo>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            var stat = Read(Path.Combine(directory, "stat"));
            var close = stat.LastIndexOf(')');
            if (close < 0)
            {
                continue; // gone meanwhile
            }

            var comm = stat[(stat.IndexOf('(') + 1)..close];
            var fields = stat[(close + 2)..].Split(' ');
            processes[pid] = new ProcessInfo(
                comm,
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
        }

        return processes;
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ""; // the process ended, or is not ours to read
        }
    }
}
