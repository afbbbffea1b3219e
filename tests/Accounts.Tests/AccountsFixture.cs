using System.Net;
using System.Net.Http.Json;
using Cic.Accounts.Companies;
using Cic.Accounts.Members;
using Cic.Accounts.Organizations;
using Cic.Contracts.Accounts;
using Cic.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Cic.Accounts.Tests;

/// <summary>The Accounts service on its own database and virtual host, with a clock the tests move.</summary>
public sealed class AccountsFixture() : ServiceFixture<Program>("accounts-db")
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 10, 9, 0, 0, TimeSpan.Zero));

    public HttpClient Staff => Client(TestTokens.Staff("staff-anna"));

    protected override void ConfigureServices(IServiceCollection services) => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock));

    public async Task<CompanyResponse> RegisterCompanyAsync(string? name = null, string? reference = null, Guid? organizationId = null)
    {
        var response = await Staff.PostAsJsonAsync("/companies", new RegisterCompany(name ?? $"Company {Guid.NewGuid():N}", reference, organizationId));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CompanyResponse>())!;
    }

    public async Task<OrganizationResponse> CreateOrganizationAsync(string? name = null)
    {
        var response = await Staff.PostAsJsonAsync("/organizations", new CreateOrganization(name ?? $"Organization {Guid.NewGuid():N}"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<OrganizationResponse>())!;
    }

    /// <summary>Makes <paramref name="userId"/> a member of a company or organization (by staff).</summary>
    public async Task AddMemberAsync(string accounts, Guid accountId, string userId, MemberRole role)
    {
        var response = await Staff.PostAsJsonAsync(
            $"/{accounts}/{accountId}/members", new AddMember(userId, $"{userId}@example.com", userId, role));
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Moves the clock forward to <paramref name="moment"/> if it is not already past it.</summary>
    public void MoveClockTo(DateTimeOffset moment)
    {
        if (moment > Clock.GetUtcNow())
        {
            Clock.SetUtcNow(moment);
        }
    }
}

[CollectionDefinition(nameof(AccountsService))]
public sealed class AccountsService : ICollectionFixture<AccountsFixture>;
