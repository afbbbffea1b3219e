using System.Text.Json;
using System.Text.RegularExpressions;
using Cic.Testing;

namespace Cic.Deployment.Tests;

/// <summary>CI and ./cic build Cic.CI.slnf: the whole solution except the AppHost, which needs Aspire's packages.</summary>
public sealed partial class SolutionFilterTests
{
    private static readonly string Root = RepositoryRoot.Find();

    [Fact]
    public void The_CI_solution_filter_holds_every_project_of_the_solution_but_the_AppHost()
    {
        var solution = SolutionProject().Matches(File.ReadAllText(Path.Combine(Root, "Cic.sln")))
            .Select(match => match.Groups["path"].Value.Replace('\\', '/'))
            .ToHashSet();
        using var filter = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "Cic.CI.slnf")));
        var filtered = filter.RootElement.GetProperty("solution").GetProperty("projects").EnumerateArray()
            .Select(project => project.GetString()!.Replace('\\', '/'))
            .ToHashSet();

        Assert.Contains("AppHost/Cic.AppHost.csproj", solution);
        Assert.Equal(solution.Where(path => path != "AppHost/Cic.AppHost.csproj").Order(), filtered.Order());
    }

    [GeneratedRegex("""^Project\("\{[^}]+\}"\) = "[^"]+", "(?<path>[^"]+\.csproj)",""", RegexOptions.Multiline)]
    private static partial Regex SolutionProject();
}
