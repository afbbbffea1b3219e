using System.Net.Http.Json;
using Cic.Billing.PaymentMethods;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.StripeEmulator.Dashboard;
using Cic.StripeEmulator.Hosting;
using Cic.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Stripe;
using Stripe.Billing;
using Stripe.TestHelpers;

namespace Cic.Billing.Tests;

/// <summary>
/// The Billing service on its own database and virtual host, talking to its own Stripe emulator over
/// real HTTP; the emulator's webhooks reach the service on a real loopback port. The emulator holds
/// what finance would set up in Stripe's dashboard: the calls meter and a metered price. Tests publish
/// the Accounts and Usage events the service consumes, as those services' outbox relays would, act
/// as the portal over HTTP, and as Stripe.js (completing the card form) through Stripe.net.
/// </summary>
public class BillingFixture() : ServiceFixture<BillingDb>("billing-db") // Any type of the service's assembly: the emulator has a Program too.
{
    public const string WebhookSecret = "whsec_billing_tests";
    public const string PublishableKey = "pk_test_billing_tests";
    public const string PriceLookupKey = "cic_calls_handled_tests";
    public const string MeterEventName = "calls_handled_tests";
    public const long UnitAmount = 2; // cents per call

    public StripeEmulatorHost Stripe { get; private set; } = null!;

    /// <summary>Stripe as seen from outside the platform: Stripe.js, the dashboard, a test's look behind the scenes.</summary>
    public StripeClient StripeClient { get; private set; } = null!;

    public Meter Meter { get; private set; } = null!;

    public Price Price { get; private set; } = null!;

    /// <summary>The test clock new customers are put on, when the fixture uses one.</summary>
    public TestClock? Clock { get; private set; }

    public HttpClient Staff => Client(TestTokens.Staff("staff-sam"));

    /// <summary>Where the test clock starts; null to run customers at real time.</summary>
    protected virtual DateTime? ClockStart => null;

    protected virtual StripeEmulatorOptions EmulatorOptions => new() { WebhookRetrySeconds = [0.5, 1, 2, 5] };

    protected override bool RealHttp => true;

    /// <summary>Where Billing serves HTTP (a port Kestrel bound itself), for a browser and the emulator's webhooks.</summary>
    public Uri BaseAddress => Host.BaseAddress!;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Stripe:SecretKey", StripeEmulatorHost.DefaultApiKey),
        new("Stripe:PublishableKey", PublishableKey),
        new("Stripe:WebhookSecret", WebhookSecret),
        new("Stripe:ApiBase", Stripe.ApiBase),
        new("Stripe:PriceLookupKey", PriceLookupKey),
        new("Stripe:MeterEventName", MeterEventName),
        new("Stripe:TestClock", Clock?.Id),
        new("Webhooks:PollInterval", "00:00:00.200"),
        .. MoreSettings,
    ];

    protected virtual IEnumerable<KeyValuePair<string, string?>> MoreSettings => [];

    /// <summary>The settings of the fixture's instance, for starting another instance of the service on the same servers.</summary>
    public IEnumerable<KeyValuePair<string, string?>> InstanceSettings => Settings;

    public override async ValueTask InitializeAsync()
    {
        var options = EmulatorOptions;
        options.WebhookSecret = WebhookSecret;
        // What finance sets up once in Stripe's dashboard, which the emulator creates as it starts.
        options.Dashboard = new DashboardOptions
        {
            Calls = new CallsCatalogOptions { MeterEventName = MeterEventName, PriceLookupKey = PriceLookupKey, UnitAmount = UnitAmount },
        };
        Stripe = await StripeEmulatorHost.StartAsync(options);
        StripeClient = Stripe.CreateClient();
        Meter = (await StripeClient.V1.Billing.Meters.ListAsync()).Single(m => m.EventName == MeterEventName);
        Price = (await StripeClient.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = [PriceLookupKey] })).Single();
        if (ClockStart is { } start)
        {
            Clock = await StripeClient.V1.TestHelpers.TestClocks.CreateAsync(new TestClockCreateOptions { FrozenTime = start, Name = "billing tests" });
        }

        await base.InitializeAsync();
        // Billing's address is known only now that it listens; nothing it must hear of has happened in Stripe yet.
        Stripe.ConfigureWebhookUrl(new Uri(BaseAddress, "/stripe/webhooks").ToString());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Stripe.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Publishes an event as its producer's outbox relay does: the event id is the message id.</summary>
    public Task PublishAsync<TEvent>(TEvent @event) where TEvent : class, IIntegrationEvent =>
        Services.GetRequiredService<IBus>().Publish(@event, context => context.MessageId = @event.EventId, TestContext.Current.CancellationToken);

    /// <summary>A company registered in Accounts and billed on its own from <paramref name="since"/>; waits until Billing knows.</summary>
    public async Task<Guid> CompanyAsync(string name, DateTimeOffset? since = null)
    {
        var id = Guid.NewGuid();
        var at = since ?? DateTimeOffset.UtcNow;
        await PublishAsync(new CompanyRegistered(Guid.NewGuid(), at, id, name, null));
        await PublishAsync(new BillingArrangementChanged(Guid.NewGuid(), at, id, AccountKind.Company, id, at, 1));
        await WaitForAsync($"SELECT count(*) FROM billing_arrangements WHERE company_id = '{id}'", $"company {name} and its arrangement");
        await WaitForAsync($"SELECT count(*) FROM billing_accounts WHERE id = '{id}'", $"company {name}");
        return id;
    }

    /// <summary>A company registered straight into an organization: its first arrangement, in force at once, names the organization.</summary>
    public async Task<Guid> CompanyInAsync(Guid organizationId, string name, DateTimeOffset? since = null)
    {
        var id = Guid.NewGuid();
        var at = since ?? DateTimeOffset.UtcNow;
        await PublishAsync(new CompanyRegistered(Guid.NewGuid(), at, id, name, null));
        await PublishAsync(new CompanyJoinedOrganization(Guid.NewGuid(), at, id, organizationId));
        await PublishAsync(new BillingArrangementChanged(Guid.NewGuid(), at, id, AccountKind.Organization, organizationId, at, 1));
        await WaitForAsync($"SELECT count(*) FROM billing_arrangements WHERE company_id = '{id}'", $"company {name}'s arrangement");
        await WaitForAsync($"SELECT count(*) FROM organization_companies WHERE company_id = '{id}' AND is_member", $"company {name} in its organization");
        await WaitForAsync($"SELECT count(*) FROM billing_accounts WHERE id = '{id}'", $"company {name}");
        return id;
    }

    public async Task<Guid> OrganizationAsync(string name)
    {
        var id = Guid.NewGuid();
        await PublishAsync(new OrganizationCreated(Guid.NewGuid(), DateTimeOffset.UtcNow, id, name));
        await WaitForAsync($"SELECT count(*) FROM billing_accounts WHERE id = '{id}'", $"organization {name}");
        return id;
    }

    /// <summary>Accounts' decision that <paramref name="payerId"/> pays for the company from <paramref name="from"/>.</summary>
    public async Task ArrangeAsync(Guid companyId, AccountKind payerKind, Guid payerId, DateTimeOffset from, long version)
    {
        await PublishAsync(new BillingArrangementChanged(Guid.NewGuid(), DateTimeOffset.UtcNow, companyId, payerKind, payerId, from, version));
        await WaitForAsync(
            $"SELECT count(*) FROM billing_arrangements WHERE company_id = '{companyId}' AND version = {version}",
            $"arrangement version {version} of company {companyId}");
    }

    /// <summary>A company joining an organization, as Accounts reports it: membership now, payer from <paramref name="payerFrom"/>.</summary>
    public async Task JoinAsync(Guid companyId, Guid organizationId, DateTimeOffset payerFrom, long version)
    {
        await PublishAsync(new CompanyJoinedOrganization(Guid.NewGuid(), DateTimeOffset.UtcNow, companyId, organizationId));
        await ArrangeAsync(companyId, AccountKind.Organization, organizationId, payerFrom, version);
        await WaitForAsync($"SELECT count(*) FROM organization_companies WHERE company_id = '{companyId}' AND is_member", $"company {companyId} in its organization");
    }

    public async Task<string> MemberAsync(AccountKind kind, Guid accountId, MemberRole role)
    {
        var userId = $"{role.ToString().ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}";
        await PublishAsync(new MemberAdded(Guid.NewGuid(), DateTimeOffset.UtcNow, kind, accountId, userId, $"{userId}@example.test", userId, role));
        await WaitForAsync($"SELECT count(*) FROM members WHERE account_id = '{accountId}' AND user_id = '{userId}' AND is_member", $"{userId} to be a member");
        return userId;
    }

    /// <summary>
    /// An owner of the account authorizes CIC staff to manage its payment methods (without which staff's
    /// card actions are refused); returns the authorization's id.
    /// </summary>
    public async Task<Guid> AuthorizeStaffAsync(AccountKind kind, Guid accountId, DateTimeOffset? expiresAt = null)
    {
        var owner = Client(TestTokens.Customer(await MemberAsync(kind, accountId, MemberRole.Owner)));
        var response = await owner.PostAsJsonAsync($"/billing-accounts/{accountId}/staff-authorizations", new GrantStaffAuthorization(expiresAt), TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<StaffAuthorizationResponse>(TestContext.Current.CancellationToken))!.Id;
    }

    /// <summary>
    /// The portal's "Add payment method": start the card form through the API, complete it as Stripe.js
    /// does with a Stripe test card, and wait until Stripe's webhooks have told Billing of the card.
    /// </summary>
    public async Task<CardResponse> AddCardAsync(HttpClient portal, Guid accountId, string testCard = "pm_card_visa")
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await portal.PostAsync($"/billing-accounts/{accountId}/payment-methods/setup", null, ct);
        response.EnsureSuccessStatusCode();
        var setup = (await response.Content.ReadFromJsonAsync<CardSetupResponse>(ct))!;
        var intent = await StripeClient.V1.SetupIntents.ConfirmAsync(setup.SetupIntentId, new SetupIntentConfirmOptions { PaymentMethod = testCard }, cancellationToken: ct);
        return await Eventually.Returns(
            async () => (await CardsAsync(portal, accountId)).FirstOrDefault(c => c.Id == intent.PaymentMethodId),
            card => card is not null,
            $"card {intent.PaymentMethodId} to be listed")
            ?? throw new InvalidOperationException("unreachable");
    }

    public static async Task<List<CardResponse>> CardsAsync(HttpClient portal, Guid accountId) =>
        (await portal.GetFromJsonAsync<List<CardResponse>>($"/billing-accounts/{accountId}/payment-methods", TestContext.Current.CancellationToken))!;

    /// <summary>The time on the fixture's test clock.</summary>
    public async Task<DateTimeOffset> ClockNowAsync()
    {
        var clock = await StripeClient.V1.TestHelpers.TestClocks.GetAsync(Clock!.Id, cancellationToken: TestContext.Current.CancellationToken);
        return new DateTimeOffset(DateTime.SpecifyKind(clock.FrozenTime, DateTimeKind.Utc));
    }

    /// <summary>Runs the test clock forward, with everything Stripe does meanwhile (renewals, finalization), and waits until it is done.</summary>
    public Task AdvanceClockAsync(DateTimeOffset to) =>
        StripeClient.AdvanceTestClockAsync(Clock!.Id, to, Eventually.DefaultTimeout, TestContext.Current.CancellationToken);

    public Task<long> CountAsync(string sql) => Database.ScalarAsync<long>(sql);

    public Task WaitForAsync(string countSql, string what) =>
        Eventually.IsTrue(async () => await CountAsync(countSql) > 0, what);
}

[CollectionDefinition(nameof(BillingService))]
public sealed class BillingService : ICollectionFixture<BillingFixture>;
