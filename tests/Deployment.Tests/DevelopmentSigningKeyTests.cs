using System.Diagnostics;
using Cic.Testing;

namespace Cic.Deployment.Tests;

/// <summary>
/// Development tokens are signed with the key `dotnet user-jwts` keeps in the services' user-secrets store.
/// One store per checkout: the four services of a checkout share it, another checkout on the machine never does.
/// </summary>
public sealed class DevelopmentSigningKeyTests
{
    private static readonly string Root = RepositoryRoot.Find();

    [Fact]
    public async Task The_services_of_a_checkout_share_one_user_secrets_store_and_other_checkouts_have_their_own()
    {
        var accounts = await UserSecretsIdAsync(Path.Combine(Root, "services", "Accounts", "Cic.Accounts.csproj"));
        var billing = await UserSecretsIdAsync(Path.Combine(Root, "services", "Billing", "Cic.Billing.csproj"));
        var (first, second) = (CheckoutCopy(), CheckoutCopy());
        string elsewhere, elsewhereAgain;
        try
        {
            elsewhere = await UserSecretsIdAsync(first);
            elsewhereAgain = await UserSecretsIdAsync(second);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(first)!, recursive: true);
            Directory.Delete(Path.GetDirectoryName(second)!, recursive: true);
        }

        Assert.StartsWith("cic-billing-platform-", accounts, StringComparison.Ordinal);
        Assert.Equal(accounts, billing);
        Assert.NotEqual(accounts, elsewhere);
        Assert.NotEqual(elsewhere, elsewhereAgain);
    }

    /// <summary>A project in another directory with this checkout's Directory.Build.props: another checkout, as MSBuild sees it.</summary>
    private static string CheckoutCopy()
    {
        var directory = Directory.CreateTempSubdirectory("cic-checkout-").FullName;
        File.Copy(Path.Combine(Root, "Directory.Build.props"), Path.Combine(directory, "Directory.Build.props"));
        var project = Path.Combine(directory, "Probe.csproj");
        File.WriteAllText(project, """<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>""");
        return project;
    }

    private static async Task<string> UserSecretsIdAsync(string project)
    {
        var start = new ProcessStartInfo("dotnet", ["msbuild", project, "-getProperty:UserSecretsId", "-nologo"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, output + await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
        return output.Trim();
    }
}
