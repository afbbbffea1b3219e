using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Cic.EndToEnd.Tests.Actors;

/// <summary>Where each service answers: the ports of <c>./cic up</c>, or the free ports a test run picked.</summary>
public sealed record ServiceAddresses(Uri Accounts, Uri Usage, Uri Billing, Uri Notifications)
{
    /// <summary>The addresses <c>./cic up</c> serves on.</summary>
    public static ServiceAddresses Local { get; } = new(
        new Uri("http://127.0.0.1:5101"), new Uri("http://127.0.0.1:5102"), new Uri("http://127.0.0.1:5103"), new Uri("http://127.0.0.1:5104"));
}

/// <summary>
/// What the internal portal frontends do for one signed-in user (a customer's user or CIC staff): the
/// four services' public HTTP APIs with the user's bearer token, nothing else.
/// </summary>
public sealed class Portal : IDisposable
{
    private readonly List<HttpClient> _clients = [];

    public Portal(ServiceAddresses addresses, string token, string who)
    {
        Who = who;
        Accounts = new AccountsApi(Client(addresses.Accounts, token));
        Usage = new UsageApi(Client(addresses.Usage, token));
        Billing = new BillingApi(Client(addresses.Billing, token));
        Notifications = new NotificationsApi(Client(addresses.Notifications, token));
    }

    /// <summary>The user's id (the token's subject), for messages.</summary>
    public string Who { get; }

    public AccountsApi Accounts { get; }

    public UsageApi Usage { get; }

    public BillingApi Billing { get; }

    public NotificationsApi Notifications { get; }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    private HttpClient Client(Uri address, string token)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _clients.Add(client);
        return client;
    }
}

/// <summary>A call to a service that did not answer as the portal expected; the message carries the service's answer (a problem document).</summary>
public sealed class ApiCallFailedException(string message, HttpStatusCode status) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>The shared plumbing of the per-service APIs: JSON in and out, and failures that say what the service answered.</summary>
public abstract class ServiceApi(HttpClient http)
{
    protected static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected HttpClient Http { get; } = http;

    protected async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken = default) =>
        await ReadAsync<T>(await Http.GetAsync(path, cancellationToken), "GET", path, cancellationToken);

    protected async Task<T> PostAsync<T>(string path, object? body, CancellationToken cancellationToken = default) =>
        await ReadAsync<T>(await Http.PostAsync(path, body is null ? null : JsonContent.Create(body, options: Json), cancellationToken), "POST", path, cancellationToken);

    protected static async Task EnsureAsync(HttpResponseMessage response, string method, string path, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new ApiCallFailedException(
                $"{method} {response.RequestMessage?.RequestUri?.GetLeftPart(UriPartial.Authority)}{path} answered {(int)response.StatusCode} {response.StatusCode}: {body}",
                response.StatusCode);
        }
    }

    protected static string Query(params (string Name, object? Value)[] parameters) =>
        string.Join('&', parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(Format(p.Value!))}"));

    private static string Format(object value) => value switch
    {
        DateTimeOffset at => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, string method, string path, CancellationToken cancellationToken)
    {
        using (response)
        {
            await EnsureAsync(response, method, path, cancellationToken);
            return (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken))!;
        }
    }
}

/// <summary>Accounts (port 5101): companies, organizations, members, moves, who pays.</summary>
public sealed class AccountsApi(HttpClient http) : ServiceApi(http)
{
    public Task<Company> RegisterCompanyAsync(string name, Guid? organizationId = null, CancellationToken cancellationToken = default) =>
        PostAsync<Company>("/companies", new { name, organizationId }, cancellationToken);

    public Task<Company> CompanyAsync(Guid id, CancellationToken cancellationToken = default) =>
        GetAsync<Company>($"/companies/{id}", cancellationToken);

    public Task<Organization> CreateOrganizationAsync(string name, CancellationToken cancellationToken = default) =>
        PostAsync<Organization>("/organizations", new { name }, cancellationToken);

    /// <param name="kind"><c>companies</c> or <c>organizations</c>.</param>
    /// <param name="role"><c>Owner</c>, <c>Billing</c> or <c>Member</c>.</param>
    public Task<Member> AddMemberAsync(string kind, Guid accountId, string userId, string email, string displayName, string role, CancellationToken cancellationToken = default) =>
        PostAsync<Member>($"/{kind}/{accountId}/members", new { userId, email, displayName, role }, cancellationToken);

    /// <summary>Staff move a company into an organization: membership at once, the payer from the next cycle.</summary>
    public async Task MoveIntoOrganizationAsync(Guid companyId, Guid organizationId, CancellationToken cancellationToken = default)
    {
        var path = $"/companies/{companyId}/organization";
        using var response = await Http.PutAsync(path, JsonContent.Create(new { organizationId }, options: Json), cancellationToken);
        await EnsureAsync(response, "PUT", path, cancellationToken);
    }

    public Task<BillingArrangement> BillingArrangementAsync(Guid companyId, CancellationToken cancellationToken = default) =>
        GetAsync<BillingArrangement>($"/companies/{companyId}/billing-arrangement", cancellationToken);

    public Task<MyAccounts> MyAccountsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<MyAccounts>("/me/accounts", cancellationToken);
}

/// <summary>Usage (port 5102): usage per period, call history, the CSV export, one call.</summary>
public sealed class UsageApi(HttpClient http) : ServiceApi(http)
{
    public Task<UsageReport> UsageAsync(Guid companyId, DateTimeOffset from, DateTimeOffset to, string granularity, CancellationToken cancellationToken = default) =>
        GetAsync<UsageReport>($"/companies/{companyId}/usage?{Query(("from", from), ("to", to), ("granularity", granularity))}", cancellationToken);

    public Task<CallPage> CallsAsync(Guid companyId, DateTimeOffset? from = null, DateTimeOffset? to = null, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        GetAsync<CallPage>($"/companies/{companyId}/calls?{Query(("from", from), ("to", to), ("limit", limit), ("cursor", cursor))}", cancellationToken);

    public async Task<string> ExportCsvAsync(Guid companyId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var path = $"/companies/{companyId}/calls/export?{Query(("from", from), ("to", to))}";
        using var response = await Http.GetAsync(path, cancellationToken);
        await EnsureAsync(response, "GET", path, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    public Task<CallRecord> CallAsync(string sourceSystem, string callId, CancellationToken cancellationToken = default) =>
        GetAsync<CallRecord>($"/calls/{Uri.EscapeDataString(sourceSystem)}/{Uri.EscapeDataString(callId)}", cancellationToken);
}

/// <summary>Billing (port 5103): cards, readiness, invoices, retries.</summary>
public sealed class BillingApi(HttpClient http) : ServiceApi(http)
{
    /// <summary>"Add payment method": the SetupIntent Stripe's card form needs (the account's Stripe customer is made the first time).</summary>
    public Task<CardSetup> StartAddingCardAsync(Guid accountId, CancellationToken cancellationToken = default) =>
        PostAsync<CardSetup>($"/billing-accounts/{accountId}/payment-methods/setup", null, cancellationToken);

    public Task<List<Card>> CardsAsync(Guid accountId, CancellationToken cancellationToken = default) =>
        GetAsync<List<Card>>($"/billing-accounts/{accountId}/payment-methods", cancellationToken);

    public Task<Card> MakeDefaultAsync(Guid accountId, string paymentMethodId, CancellationToken cancellationToken = default) =>
        PostAsync<Card>($"/billing-accounts/{accountId}/payment-methods/{paymentMethodId}/default", null, cancellationToken);

    /// <summary>An owner or billing member lets CIC staff manage the account's cards on its behalf.</summary>
    public Task<StaffAuthorization> AuthorizeStaffAsync(Guid accountId, DateTimeOffset? expiresAt = null, CancellationToken cancellationToken = default) =>
        PostAsync<StaffAuthorization>($"/billing-accounts/{accountId}/staff-authorizations", new { expiresAt }, cancellationToken);

    public Task<Readiness> ReadinessAsync(Guid accountId, CancellationToken cancellationToken = default) =>
        GetAsync<Readiness>($"/billing-accounts/{accountId}/readiness", cancellationToken);

    /// <summary>Staff: every paying account not ready for the next cycle.</summary>
    public Task<List<Readiness>> NotReadyAsync(CancellationToken cancellationToken = default) =>
        GetAsync<List<Readiness>>("/billing-accounts/not-ready", cancellationToken);

    public Task<BillingAccount> AccountAsync(Guid accountId, CancellationToken cancellationToken = default) =>
        GetAsync<BillingAccount>($"/billing-accounts/{accountId}", cancellationToken);

    /// <summary>The account's invoices, newest first, with the past-due flag (drafts only to staff).</summary>
    public Task<InvoicePage> InvoicesAsync(Guid accountId, CancellationToken cancellationToken = default) =>
        GetAsync<InvoicePage>($"/billing-accounts/{accountId}/invoices?pageSize=100", cancellationToken);

    /// <summary>Staff: the Invoices list of every account, e.g. only the past-due ones.</summary>
    public Task<InvoicePage> AllInvoicesAsync(bool? pastDue = null, string? status = null, Guid? accountId = null, CancellationToken cancellationToken = default) =>
        GetAsync<InvoicePage>($"/invoices?{Query(("pastDue", pastDue), ("status", status), ("accountId", accountId), ("pageSize", 100))}", cancellationToken);

    /// <summary>An invoice's page: lines, amounts, credit notes, retries and the calls behind it per company.</summary>
    public Task<InvoiceDetail> InvoiceAsync(string invoiceId, CancellationToken cancellationToken = default) =>
        GetAsync<InvoiceDetail>($"/invoices/{invoiceId}", cancellationToken);

    /// <summary>"Trigger a retry": charge the open invoice now, with the account's default card or the one given.</summary>
    public Task<RetryOutcome> RetryPaymentAsync(string invoiceId, string? paymentMethodId = null, CancellationToken cancellationToken = default) =>
        PostAsync<RetryOutcome>($"/invoices/{invoiceId}/retry", new { paymentMethodId }, cancellationToken);

    /// <summary>Staff: the account's usage in a cycle (<c>yyyy-MM</c>) as tallied, pushed to Stripe, and counted by Stripe's meter.</summary>
    public Task<UsageReconciliation> UsageReconciliationAsync(Guid accountId, string cycle, CancellationToken cancellationToken = default) =>
        GetAsync<UsageReconciliation>($"/billing-accounts/{accountId}/usage-reconciliation?cycle={cycle}", cancellationToken);

    /// <summary>Staff: re-read the account from Stripe now (what the periodic reconciliation does).</summary>
    public Task<BillingAccount> SyncAsync(Guid accountId, CancellationToken cancellationToken = default) =>
        PostAsync<BillingAccount>($"/billing-accounts/{accountId}/sync", null, cancellationToken);
}

/// <summary>Notifications (port 5104): the signed-in user's feed.</summary>
public sealed class NotificationsApi(HttpClient http) : ServiceApi(http)
{
    public Task<Feed> FeedAsync(CancellationToken cancellationToken = default) =>
        GetAsync<Feed>("/me/notifications?pageSize=100", cancellationToken);
}
