using System.Net.Http.Json;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Notifications.Feed;
using Cic.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Cic.Notifications.Tests;

/// <summary>
/// The Notifications service on its own database, virtual host and SMTP sink. Tests publish the
/// Accounts and Billing events it consumes onto its broker, as those services' outbox relays would
/// (the message id is the event id), and read the feed over HTTP and the mail from the sink.
/// </summary>
public abstract class NotificationsFixtureBase() : ServiceFixture<Program>("notifications-db")
{
    public SmtpSink Mail { get; private set; } = null!;

    public HttpClient Staff => Client(TestTokens.Staff("staff-sam"));

    public const string PortalBaseUrl = "https://portal.cic.test/";

    /// <summary>How often an email is tried, and how soon again: each fixture's own.</summary>
    protected abstract IEnumerable<KeyValuePair<string, string?>> EmailSettings { get; }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Smtp:Host", "127.0.0.1"),
        new("Smtp:Port", Mail.Port.ToString()),
        new("Smtp:From", "CIC Billing <billing@cic.test>"),
        new("Smtp:UseTls", "false"),
        new("Smtp:Timeout", "00:00:10"),
        new("Email:PollInterval", "00:00:00.100"),
        new("Portal:BaseUrl", PortalBaseUrl),
        .. EmailSettings,
    ];

    public override async ValueTask InitializeAsync()
    {
        Mail = await SmtpSink.StartAsync();
        await base.InitializeAsync(); // returns once healthy: the queues are bound, nothing published from here on is dropped
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Mail.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Publishes an event as its producer's outbox relay does: the event id is the message id.</summary>
    public Task PublishAsync<TEvent>(TEvent @event, Guid? messageId = null) where TEvent : class, IIntegrationEvent =>
        Services.GetRequiredService<IBus>().Publish(@event, context => context.MessageId = messageId ?? @event.EventId, TestContext.Current.CancellationToken);

    /// <summary>A company the service knows by name.</summary>
    public async Task<Guid> CompanyAsync(string name)
    {
        var id = Guid.NewGuid();
        await PublishAsync(new CompanyRegistered(Guid.NewGuid(), DateTimeOffset.UtcNow, id, name, null));
        await WaitForRowAsync($"SELECT count(*) FROM account_names WHERE account_id = '{id}'", $"the name of company {name}");
        return id;
    }

    public async Task<Guid> OrganizationAsync(string name)
    {
        var id = Guid.NewGuid();
        await PublishAsync(new OrganizationCreated(Guid.NewGuid(), DateTimeOffset.UtcNow, id, name));
        await WaitForRowAsync($"SELECT count(*) FROM account_names WHERE account_id = '{id}'", $"the name of organization {name}");
        return id;
    }

    /// <summary>Makes a user a member of an account, as Accounts announces it, and waits until the service knows.</summary>
    public async Task<string> MemberAsync(AccountKind kind, Guid accountId, string userId, MemberRole role, string? email = null, DateTimeOffset? at = null)
    {
        email ??= $"{userId}@example.test";
        await PublishAsync(new MemberAdded(Guid.NewGuid(), at ?? DateTimeOffset.UtcNow, kind, accountId, userId, email, DisplayName(userId), role));
        await WaitForRowAsync(
            $"SELECT count(*) FROM members WHERE account_id = '{accountId}' AND user_id = '{userId}' AND is_active AND role = '{role}'",
            $"{userId} to be a member of {accountId}");
        return email;
    }

    public async Task RemoveMemberAsync(AccountKind kind, Guid accountId, string userId, DateTimeOffset? at = null)
    {
        await PublishAsync(new MemberRemoved(Guid.NewGuid(), at ?? DateTimeOffset.UtcNow, kind, accountId, userId));
        await WaitForRowAsync(
            $"SELECT count(*) FROM members WHERE account_id = '{accountId}' AND user_id = '{userId}' AND NOT is_active",
            $"{userId} to be removed from {accountId}");
    }

    /// <summary>How a test user is addressed: "owner-1a2b" reads "Owner 1a2b".</summary>
    public static string DisplayName(string userId) => char.ToUpperInvariant(userId[0]) + userId[1..].Replace('-', ' ');

    /// <summary>A user id no other test uses, e.g. <c>owner-3f2a9c1b</c>.</summary>
    public static string NewUser(string role) => $"{role}-{Guid.NewGuid().ToString("N")[..8]}";

    public Task<long> CountAsync(string sql) => Database.ScalarAsync<long>(sql);

    public Task WaitForRowAsync(string countSql, string what) =>
        Eventually.IsTrue(async () => await CountAsync(countSql) > 0, what);

    /// <summary>The user's feed as the portal reads it.</summary>
    public async Task<FeedPage> FeedAsync(string userId, string query = "")
    {
        var page = await Client(TestTokens.Customer(userId)).GetFromJsonAsync<FeedPage>($"/me/notifications{query}", TestContext.Current.CancellationToken);
        return page!;
    }
}

/// <summary>Emails are retried quickly and many times, so an outage of a few seconds loses nothing.</summary>
public sealed class NotificationsFixture : NotificationsFixtureBase
{
    protected override IEnumerable<KeyValuePair<string, string?>> EmailSettings =>
    [
        new("Email:RetryBaseDelay", "00:00:00.200"),
        new("Email:MaxRetryDelay", "00:00:01"),
        new("Email:MaxAttempts", "30"),
    ];
}

[CollectionDefinition(nameof(NotificationsService))]
public sealed class NotificationsService : ICollectionFixture<NotificationsFixture>;

/// <summary>Emails get two quick attempts, so giving up can be seen at once.</summary>
public sealed class ImpatientEmailFixture : NotificationsFixtureBase
{
    protected override IEnumerable<KeyValuePair<string, string?>> EmailSettings =>
    [
        new("Email:RetryBaseDelay", "00:00:00.100"),
        new("Email:MaxRetryDelay", "00:00:00.100"),
        new("Email:MaxAttempts", "2"),
    ];
}

[CollectionDefinition(nameof(ImpatientEmail))]
public sealed class ImpatientEmail : ICollectionFixture<ImpatientEmailFixture>;
