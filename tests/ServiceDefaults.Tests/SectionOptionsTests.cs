using Cic.ServiceDefaults.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Cic.ServiceDefaults.Tests;

/// <summary>Settings are bound to their section and checked when the service starts, without servers.</summary>
public sealed class SectionOptionsTests
{
    [Fact]
    public async Task A_zero_interval_stops_the_start_with_a_message_naming_the_setting()
    {
        using var host = Host(new() { ["Messaging:OutboxPollInterval"] = "00:00:00" });

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("OutboxPollInterval must be a positive duration", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Values_from_the_section_are_what_the_service_reads()
    {
        using var host = Host(new() { ["Messaging:OutboxPollInterval"] = "00:00:03", ["Messaging:PrefetchCount"] = "7" });

        await host.StartAsync(TestContext.Current.CancellationToken);
        var options = host.Services.GetRequiredService<IOptions<MessagingOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(3), options.OutboxPollInterval);
        Assert.Equal(7, options.PrefetchCount);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private static IHost Host(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSectionOptions<MessagingOptions>(MessagingOptions.Section);
        return builder.Build();
    }
}
