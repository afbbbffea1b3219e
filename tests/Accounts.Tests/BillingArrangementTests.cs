using System.Net;
using System.Net.Http.Json;
using Cic.Accounts.BillingArrangements;
using Cic.Accounts.Moves;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Testing;

namespace Cic.Accounts.Tests;

/// <summary>
/// The effective-date rule across a month boundary, with the service's injected clock, through the API and the events it
/// announces. The rule's every case and its laws are in tests/Rules.Tests (ArrangementPlannerTests), without a server.
/// </summary>
[Collection(nameof(AccountsService))]
public sealed class BillingArrangementTests(AccountsFixture accounts)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_join_an_hour_before_month_end_takes_effect_at_the_start_of_the_next_month()
    {
        var monthEnd = BillingCycle.Containing(accounts.Clock.GetUtcNow()).End;
        var organization = await accounts.CreateOrganizationAsync();
        var company = await accounts.RegisterCompanyAsync();
        accounts.MoveClockTo(monthEnd.AddHours(-1));

        await accounts.Staff.PutAsJsonAsync($"/companies/{company.Id}/organization", new JoinOrganization(organization.Id), Cancel);
        var beforeMidnight = await ArrangementOf(company.Id);
        accounts.MoveClockTo(monthEnd.AddSeconds(-1));
        var lastSecond = await ArrangementOf(company.Id);
        accounts.MoveClockTo(monthEnd);
        var atMidnight = await ArrangementOf(company.Id);

        Assert.Equal(company.Id, beforeMidnight.Current!.PayerId);
        Assert.Equal(monthEnd, beforeMidnight.Pending!.EffectiveFrom);
        Assert.Equal(company.Id, lastSecond.Current!.PayerId);
        Assert.Equal((AccountKind.Organization, organization.Id, monthEnd), (atMidnight.Current!.PayerKind, atMidnight.Current.PayerId, atMidnight.Current.EffectiveFrom));
        Assert.Null(atMidnight.Pending);
        Assert.Equal(2, atMidnight.History.Count);
    }

    [Fact]
    public async Task Moving_back_before_the_pending_change_takes_effect_cancels_it_cleanly()
    {
        var organization = await accounts.CreateOrganizationAsync();
        var company = await accounts.RegisterCompanyAsync();
        await accounts.Staff.PutAsJsonAsync($"/companies/{company.Id}/organization", new JoinOrganization(organization.Id), Cancel);
        var pendingFrom = (await ArrangementOf(company.Id)).Pending!.EffectiveFrom;
        var mark = await accounts.Database.MarkAsync();

        var leave = await accounts.Staff.DeleteAsync($"/companies/{company.Id}/organization", Cancel);

        Assert.Equal(HttpStatusCode.OK, leave.StatusCode);
        var arrangement = await ArrangementOf(company.Id);
        Assert.Equal(company.Id, arrangement.Current!.PayerId);
        Assert.Null(arrangement.Pending);
        var cancelled = Assert.Single(arrangement.History, a => a.CancelledAt is not null);
        Assert.Equal(organization.Id, cancelled.PayerId);

        // Billing learns that from the pending date on the company still pays itself, under a newer version.
        var events = await accounts.Database.EventsSinceAsync(mark);
        Assert.Equal(["CompanyLeftOrganization", "BillingArrangementChanged"], events.Select(e => e.Name));
        var announced = events[1].As<BillingArrangementChanged>();
        Assert.Equal((AccountKind.Company, company.Id, pendingFrom, 3L), (announced.PayerKind, announced.PayerId, announced.EffectiveFrom, announced.Version));

        // Deciding again after the cancellation uses the next version, never one already announced.
        var mark2 = await accounts.Database.MarkAsync();
        await accounts.Staff.PutAsJsonAsync($"/companies/{company.Id}/organization", new JoinOrganization(organization.Id), Cancel);
        var rejoined = (await accounts.Database.EventsSinceAsync(mark2)).Single(e => e.Name == "BillingArrangementChanged").As<BillingArrangementChanged>();
        Assert.Equal(4L, rejoined.Version);
    }

    [Fact]
    public async Task A_customer_member_reads_the_arrangement_and_a_stranger_gets_404()
    {
        var company = await accounts.RegisterCompanyAsync();
        await accounts.AddMemberAsync("companies", company.Id, "billing-bea", MemberRole.Billing);

        var member = await accounts.Client(TestTokens.Customer("billing-bea")).GetAsync($"/companies/{company.Id}/billing-arrangement", Cancel);
        var stranger = await accounts.Client(TestTokens.Customer("nobody")).GetAsync($"/companies/{company.Id}/billing-arrangement", Cancel);

        Assert.Equal(HttpStatusCode.OK, member.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
    }

    private async Task<BillingArrangementResponse> ArrangementOf(Guid companyId) =>
        (await accounts.Staff.GetFromJsonAsync<BillingArrangementResponse>($"/companies/{companyId}/billing-arrangement", Cancel))!;
}
