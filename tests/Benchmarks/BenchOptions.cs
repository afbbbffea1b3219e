using System.Globalization;

namespace Cic.Benchmarks;

/// <summary>Command-line options: <c>--name value</c> pairs and bare <c>--flag</c>s.</summary>
public sealed class BenchOptions
{
    private readonly Dictionary<string, string?> _values = [];

    public static BenchOptions Parse(IEnumerable<string> args)
    {
        var options = new BenchOptions();
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{list[i]}'.");
            }

            var hasValue = i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal);
            options._values[list[i][2..]] = hasValue ? list[++i] : null;
        }

        return options;
    }

    public int Number(string name, int fallback) =>
        _values.TryGetValue(name, out var v) && v is not null ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Fraction(string name, double fallback) =>
        _values.TryGetValue(name, out var v) && v is not null ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public string Text(string name, string fallback) =>
        _values.TryGetValue(name, out var v) && v is not null ? v : fallback;

    public bool Flag(string name) => _values.ContainsKey(name);
}

/// <summary>The benchmark could not vouch for its result (a call lost or counted twice, a time limit passed).</summary>
public sealed class BenchmarkFailedException(string message) : Exception(message);
