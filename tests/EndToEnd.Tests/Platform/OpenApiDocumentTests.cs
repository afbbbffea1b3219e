using System.Diagnostics;
using Cic.Testing;

namespace Cic.EndToEnd.Tests.Platform;

/// <summary>
/// The OpenAPI documents the services serve under the AppHost (Development), checked as a portal developer uses them:
/// redocly's recommended rules and a TypeScript client generated from each, compiled against a few real calls
/// (tests/OpenApiCheck; its npm packages are installed by ./cic test).
/// </summary>
public sealed class OpenApiDocumentTests(RunningPlatform platform)
{
    [Fact]
    public async Task Every_document_lints_clean_and_a_generated_client_compiles_against_the_READMEs_calls()
    {
        var check = Path.Combine(RepositoryRoot.Find(), "tests", "OpenApiCheck");
        Assert.True(Directory.Exists(Path.Combine(check, "node_modules")), "tests/OpenApiCheck has no node_modules: run ./cic test, which installs them.");
        var folder = Path.Combine(platform.LogFolder, "openapi");
        Directory.CreateDirectory(folder);
        using var http = new HttpClient();
        var addresses = platform.Addresses;
        foreach (var (file, address) in new[] { ("Accounts", addresses.Accounts), ("Usage", addresses.Usage), ("Billing", addresses.Billing), ("Notifications", addresses.Notifications) })
        {
            var document = await http.GetStringAsync(new Uri(address, "/openapi/v1.json"), TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(folder, file + ".json"), document, TestContext.Current.CancellationToken);
        }

        using var node = Process.Start(new ProcessStartInfo("node", [Path.Combine(check, "check.mjs"), folder])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = check,
        })!;
        var output = node.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = node.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await node.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(node.ExitCode == 0, $"The OpenAPI documents do not pass (documents in {folder}):\n{await output}\n{await errors}");
    }
}
