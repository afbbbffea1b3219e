namespace Cic.EndToEnd.Demo;

/// <summary>Says what happens, in plain words, and where to look.</summary>
public sealed class Narrator
{
    private readonly DateTime _started = DateTime.UtcNow;
    private int _chapter;

    public static void Title(string text)
    {
        Console.WriteLine();
        Console.WriteLine(text);
        Console.WriteLine(new string('=', text.Length));
    }

    public void Chapter(string text)
    {
        _chapter++;
        Console.WriteLine();
        var heading = $"{_chapter}. {text}";
        Console.WriteLine(heading);
        Console.WriteLine(new string('-', heading.Length));
    }

    /// <summary>Something a user or another system does.</summary>
    public void Does(string who, string what) => Line("▶", $"{who} {what}");

    /// <summary>What the platform did in answer.</summary>
    public void Sees(string what) => Line("✓", what);

    /// <summary>Where to look at it yourself.</summary>
    public static void Look(string what, string where) => Console.WriteLine($"      look: {what,-34} {where}");

    /// <summary>A wait for something asynchronous, said before waiting.</summary>
    public void Waits(string what) => Line("…", what);

    public static void Note(string text) => Console.WriteLine($"      {text}");

    private void Line(string mark, string text) =>
        Console.WriteLine($"  {mark} [{(DateTime.UtcNow - _started).TotalSeconds,5:0}s] {text}");
}
