using Cic.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cic.Usage.Tests;

/// <summary>One Usage service, database and virtual host for a test class; tests keep apart by using companies of their own.</summary>
public class UsageFixture() : ServiceFixture<UsageDb>(UsageDb.ConnectionName)
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => UsageHost.Settings;

    protected override void ConfigureServices(IServiceCollection services) => UsageHost.ConfigureServices(services);

    /// <summary>Calls stored for a company.</summary>
    public Task<long> StoredCallsAsync(Guid companyId) =>
        Database.ScalarAsync<long>($"SELECT count(*) FROM calls WHERE company_id = '{companyId}'");

    /// <summary>The sum of a company's tallies: what it will be billed for.</summary>
    public Task<long> TalliedCallsAsync(Guid companyId) =>
        Database.ScalarAsync<long>($"SELECT coalesce(sum(call_count), 0) FROM usage_windows WHERE company_id = '{companyId}'");

    public Task WaitForStoredCallsAsync(Guid companyId, long count) =>
        Eventually.IsTrue(async () => await StoredCallsAsync(companyId) >= count, $"{count} calls of company {companyId} to be stored");
}
