using Cic.EndToEnd.Tests.Actors;
using Cic.EndToEnd.Tests.Platform;
using Cic.Testing;

namespace Cic.EndToEnd.Tests.Stories;

/// <summary>
/// Story 2 before the month ends: an organization of three companies with the card on the organization only;
/// a call-handling system reports the companies' calls while every service, and then RabbitMQ, is restarted.
/// </summary>
public sealed class OrganizationMonth
{
    private readonly object _sentLock = new();
    private readonly List<HandledCall> _sent = [];

    private OrganizationMonth(Organization organization, IReadOnlyList<Company> companies, AccountUser owner, AccountUser billing, AccountUser member, AccountUser companyOwner, Card card)
    {
        Org = organization;
        Companies = companies;
        Owner = owner;
        BillingMember = billing;
        PlainMember = member;
        CompanyOwner = companyOwner;
        Card = card;
    }

    public Organization Org { get; }

    public IReadOnlyList<Company> Companies { get; }

    public AccountUser Owner { get; }

    public AccountUser BillingMember { get; }

    public AccountUser PlainMember { get; }

    /// <summary>The owner of one of the companies, not of the organization: not billed, so not told about invoices.</summary>
    public AccountUser CompanyOwner { get; }

    public Card Card { get; }

    /// <summary>Every call the broker confirmed, each once (a resent call is the same call).</summary>
    public IReadOnlyList<HandledCall> CallsSent
    {
        get
        {
            lock (_sentLock)
            {
                return _sent.DistinctBy(c => c.CallId).ToList();
            }
        }
    }

    /// <summary>What was restarted while the calls streamed in, in order.</summary>
    public List<string> Restarted { get; } = [];

    /// <summary>How many times the call-handling system had to publish again because the broker did not confirm.</summary>
    public int Resends { get; private set; }

    public IReadOnlyDictionary<Guid, long> Payers => new Dictionary<Guid, long> { [Org.Id] = CallsSent.Count };

    public static async Task<OrganizationMonth> BeforeAsync(RunningPlatform platform)
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var staff = platform.Staff.Accounts;
        var organization = await staff.CreateOrganizationAsync($"Holding Group {tag}");
        var companies = new List<Company>();
        foreach (var name in new[] { "Holding Alpha", "Holding Beta", "Holding Gamma" })
        {
            // Registered straight into the organization: billed through it from the start.
            companies.Add(await staff.RegisterCompanyAsync($"{name} {tag}", organization.Id));
        }

        var owner = await platform.MemberAsync("organizations", organization.Id, "Grace", "Owner", tag);
        var billing = await platform.MemberAsync("organizations", organization.Id, "Bill", "Billing", tag);
        var member = await platform.MemberAsync("organizations", organization.Id, "Mo", "Member", tag);
        var companyOwner = await platform.MemberAsync("companies", companies[0].Id, "Carl", "Owner", tag);

        // "Open the organization's detail page… Add the card and mark it as default."
        var card = await owner.AddsDefaultCardAsync(platform, organization.Id);
        return new OrganizationMonth(organization, companies, owner, billing, member, companyOwner, card);
    }

    /// <summary>
    /// The call stream: a chunk of calls for each company every moment, until every service has been
    /// restarted once (SIGTERM, then started again on the same port and database) and the broker once.
    /// </summary>
    public async Task CallsThroughRestartsAsync(RunningPlatform platform, DateTimeOffset hour)
    {
        await using var ivr = platform.CallHandlingSystem($"call-handling-{Org.Id.ToString("N")[..6]}");
        using var restartsDone = new CancellationTokenSource();
        var stream = Task.Run(async () =>
        {
            var n = 0;
            while (true)
            {
                var last = restartsDone.IsCancellationRequested;
                var chunk = Companies
                    .SelectMany(company => Enumerable.Range(0, 10).Select(_ =>
                    {
                        n++;
                        return new HandledCall(ivr.SourceSystem, $"c-{n:D6}", company.Id, hour.AddSeconds(n % 3600), 20_000 + (n % 400) * 1000);
                    }))
                    .ToList();
                await ivr.PublishAsync(chunk);
                lock (_sentLock)
                {
                    _sent.AddRange(chunk);
                }

                if (last)
                {
                    return;
                }

                await Task.Delay(150);
            }
        });

        await Eventually.IsTrue(() => Task.FromResult(CallsSent.Count >= 300), "the call stream to be flowing", PortalSteps.Patience);
        foreach (var step in new Func<Task>[]
                 {
                     () => Restart(platform.Usage),
                     () => Restart(platform.Billing),
                     async () =>
                     {
                         await platform.RestartBrokerAsync();
                         Restarted.Add("RabbitMQ");
                     },
                     () => Restart(platform.Notifications),
                     () => Restart(platform.Accounts),
                 })
        {
            await step();
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        restartsDone.Cancel();
        await stream;
        Resends = ivr.Resends;

        // Usage has every call, each once, before anything is asserted of Billing.
        foreach (var company in Companies)
        {
            var sent = CallsSent.Count(c => c.CompanyId == company.Id);
            await Eventually.Returns(
                () => platform.Staff.Usage.UsageAsync(company.Id, hour, hour.AddHours(1), "hour"),
                usage => usage.TotalCalls == sent,
                $"Usage to count the {sent} calls sent for {company.Name}",
                TimeSpan.FromMinutes(2));
        }

        async Task Restart(PlatformResource service)
        {
            await service.RestartAsync();
            Restarted.Add(service.Name);
        }
    }
}

/// <summary>Story 2, the seed's "Setting up Stripe billing at the organization level", and the restarts in the middle of it.</summary>
[Collection(nameof(TheMonthRunOut))]
public sealed class OrganizationBillingStory(RunningPlatform platform, MonthEnd month)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private OrganizationMonth Story => month.Organization;

    [Fact]
    public async Task The_organization_gets_one_invoice_for_every_call_of_its_three_companies_and_its_owners_are_told()
    {
        var grace = Story.Owner.Portal;

        // Before the month ended: the companies have no card of their own and are ready through the organization.
        foreach (var company in Story.Companies)
        {
            var readiness = await grace.Billing.ReadinessAsync(company.Id, Ct);
            Assert.True(readiness.Ready, string.Join("; ", readiness.Problems.Select(p => p.Message)));
            Assert.Equal(Story.Org.Id, readiness.PayerId);
            Assert.Empty(await grace.Billing.CardsAsync(company.Id, Ct));
        }

        // One invoice, the organization's, for every call its companies handled, charged to its card.
        var summary = await month.InvoiceOfAsync(grace, Story.Org.Id, "paid");
        var billed = Assert.Single((await grace.Billing.InvoicesAsync(Story.Org.Id, Ct)).Items, i => i.Total > 0);
        Assert.Equal(summary.Id, billed.Id);
        var invoice = await grace.Billing.InvoiceAsync(summary.Id, Ct);
        var calls = Story.CallsSent;
        Assert.Equal(calls.Count, invoice.Lines.Sum(l => l.Quantity ?? 0));
        Assert.Equal(calls.Count * RunningPlatform.CentsPerCall, invoice.Total);
        Assert.Equal((invoice.Total, 0L), (invoice.AmountPaid, invoice.AmountRemaining));

        // The per-company breakdown: each company's calls, as the call-handling system sent them.
        Assert.Equal(
            Story.Companies.Select(c => (c.Id, (long)calls.Count(call => call.CompanyId == c.Id))).OrderBy(x => x.Id),
            invoice.UsageByCompany.Select(u => (u.CompanyId, u.Calls)).OrderBy(x => x.CompanyId));

        // The companies themselves are billed nothing.
        foreach (var company in Story.Companies)
        {
            Assert.Equal(0, (await platform.Staff.Billing.InvoicesAsync(company.Id, Ct)).Total);
        }

        // "New invoice issued": the organization's owner and billing member, in the portal and by email.
        foreach (var user in new[] { Story.Owner, Story.BillingMember })
        {
            var notice = Assert.Single(await user.NotifiedAsync("invoice-issued"));
            Assert.Equal(Story.Org.Id, notice.AccountId);
            Assert.Contains(invoice.Number!, notice.Title, StringComparison.Ordinal);
            await Eventually.IsTrue(
                () => Task.FromResult(platform.MailTo(user.Email).Any(m => m.Subject?.StartsWith($"New invoice {invoice.Number}", StringComparison.Ordinal) == true)),
                $"the 'new invoice' email to {user.DisplayName}", PortalSteps.Patience);
        }

        // A plain member of the organization, and the owner of one of its companies, are not billed and not told.
        Assert.Empty(await Story.PlainMember.NotificationsAsync("invoice-issued"));
        Assert.Empty(await Story.CompanyOwner.NotificationsAsync("invoice-issued"));
    }

    [Fact]
    public async Task Restarting_every_service_and_the_broker_mid_stream_loses_no_call_and_counts_none_twice()
    {
        Assert.Equal(["Usage", "Billing", "RabbitMQ", "Notifications", "Accounts"], Story.Restarted);
        Assert.All(platform.Services, service => Assert.Equal(2, service.Starts));

        var calls = Story.CallsSent;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{calls.Count} calls streamed through {string.Join(", ", Story.Restarted)} restarts; {Story.Resends} chunk(s) published again for want of a confirm.");
        var staff = platform.Staff;
        var view = await staff.Billing.UsageReconciliationAsync(Story.Org.Id, month.Cycle, Ct);
        Assert.True(view.Matches, string.Join("; ", view.Flags.Select(f => f.Message)));
        Assert.Equal((calls.Count, (decimal?)calls.Count), (view.CallsPushed, view.CallsInStripe));

        var invoice = await staff.Billing.InvoiceAsync((await month.InvoiceOfAsync(staff, Story.Org.Id, "paid")).Id, Ct);
        Assert.Equal(calls.Count, invoice.Lines.Sum(l => l.Quantity ?? 0));
        Assert.Equal(calls.Count, invoice.UsageByCompany.Sum(u => u.Calls));
    }
}
