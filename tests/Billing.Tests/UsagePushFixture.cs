using System.Collections.Concurrent;
using System.Net.Http.Json;
using Cic.Billing.Readiness;
using Cic.Billing.UsagePush;
using Cic.Contracts.Usage;
using Cic.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Stripe;
using Stripe.Billing;

namespace Cic.Billing.Tests;

/// <summary>
/// Billing with a quick usage push (short poll and retry delays, and Stripe calls that give up quickly)
/// and helpers to publish tallies as Usage does, read the staff reconciliation view, and look at what
/// Stripe holds. Each test class derives its own, with its own test clock.
/// </summary>
public abstract class UsagePushFixture : BillingFixture
{
    /// <summary>Every answer the service got from Stripe, attempt by attempt, across all its instances.</summary>
    public StripeAnswers Answers { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings => UsagePushSettings;

    private static IEnumerable<KeyValuePair<string, string?>> UsagePushSettings =>
    [
        new("UsagePush:PollInterval", "00:00:00.200"),
        new("UsagePush:RetryDelay", "00:00:00.100"),
        new("UsagePush:MaxRetryDelay", "00:00:00.500"),
    ];

    protected override void ConfigureServices(IServiceCollection services) => ConfigureInstance(services);

    /// <summary>What every instance of the service gets in these tests: quick Stripe retries, and a record of Stripe's answers.</summary>
    public void ConfigureInstance(IServiceCollection services) => ConfigureInstance(services, Answers);

    /// <summary>As <see cref="ConfigureInstance(IServiceCollection)"/>, recording this instance's answers in <paramref name="answers"/>.</summary>
    public static void ConfigureInstance(IServiceCollection services, StripeAnswers answers)
    {
        services.PostConfigure<HttpStandardResilienceOptions>("stripe-standard", options =>
        {
            options.Retry.Delay = TimeSpan.FromMilliseconds(20);
            options.Retry.UseJitter = false;
            options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(1);
        });
        services.AddSingleton(answers);
        services.AddHttpClient("stripe").AddHttpMessageHandler(s => new StripeAnswerRecorder(s.GetRequiredService<StripeAnswers>()));
    }

    /// <summary>Arms the emulator to fail the next <paramref name="count"/> matching API requests, as Stripe sometimes does.</summary>
    public Task FaultAsync(string path, int count, int? status = null, int? latencyMs = null, string method = "POST") =>
        Stripe.ControlAsync("/_emulator/faults",
        [
            new("path", path),
            new("method", method),
            new("count", count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            .. status is { } s ? [new KeyValuePair<string, string>("status", s.ToString(System.Globalization.CultureInfo.InvariantCulture))] : Array.Empty<KeyValuePair<string, string>>(),
            .. latencyMs is { } l ? [new KeyValuePair<string, string>("latency_ms", l.ToString(System.Globalization.CultureInfo.InvariantCulture))] : Array.Empty<KeyValuePair<string, string>>(),
        ], TestContext.Current.CancellationToken);

    public async Task ClearFaultsAsync()
    {
        using var http = new HttpClient();
        (await http.DeleteAsync(new Uri(Stripe.BaseUrl, "/_emulator/faults"), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
    }

    /// <summary>Usage's tally of a company's hour, as its outbox relay publishes it.</summary>
    public async Task<UsageTallied> TallyAsync(Guid companyId, DateTimeOffset windowStart, long calls, int revision)
    {
        var tally = new UsageTallied(Guid.NewGuid(), DateTimeOffset.UtcNow, companyId, windowStart, windowStart.AddHours(1), calls, revision);
        await PublishAsync(tally);
        return tally;
    }

    public static async Task<UsageReconciliationResponse> ReconciliationAsync(HttpClient staff, Guid accountId, string? cycle = null)
    {
        var response = await staff.GetAsync($"/billing-accounts/{accountId}/usage-reconciliation{(cycle is null ? "" : $"?cycle={cycle}")}", TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<UsageReconciliationResponse>(TestContext.Current.CancellationToken))!;
    }

    /// <summary>Waits until the account's cycle shows <paramref name="calls"/> tallied and nothing pending, and returns the view.</summary>
    public Task<UsageReconciliationResponse> SettledAsync(Guid accountId, string cycle, long calls) =>
        Eventually.Returns(
            () => ReconciliationAsync(Staff, accountId, cycle),
            r => r.CallsTallied == calls && r.CallsPending == 0 && r.CallsAwaitingPayer == 0,
            $"{calls} calls of {accountId} in {cycle} to be tallied and nothing pending");

    public async Task<string?> CustomerIdAsync(Guid accountId) =>
        (await Staff.GetFromJsonAsync<BillingAccountResponse>($"/billing-accounts/{accountId}", TestContext.Current.CancellationToken))!.StripeCustomerId;

    /// <summary>Stripe's own count: the meter's summary for the customer over [from, to).</summary>
    public async Task<decimal> MeterCallsAsync(string customerId, DateTimeOffset from, DateTimeOffset to)
    {
        var summaries = await StripeClient.V1.Billing.Meters.EventSummaries.ListAsync(
            Meter.Id, new MeterEventSummaryListOptions { Customer = customerId, StartTime = from.UtcDateTime, EndTime = to.UtcDateTime }, cancellationToken: TestContext.Current.CancellationToken);
        return summaries.Data.Sum(s => (decimal)s.AggregatedValue);
    }

    /// <summary>Stripe customers tagged with the account's id: the platform creates exactly one per paying account.</summary>
    public async Task<List<Customer>> CustomersTaggedAsync(Guid accountId) =>
        (await StripeClient.V1.Customers.SearchAsync(new CustomerSearchOptions { Query = $"metadata['cic_account_id']:'{accountId}'" }, cancellationToken: TestContext.Current.CancellationToken)).Data;

    /// <summary>
    /// The customer's <c>subscription_cycle</c> invoice for the period ending at <paramref name="periodEnd"/>: finalized, or
    /// with <paramref name="finalized"/> false also a draft (Stripe leaves an unpaid subscription's invoices as drafts).
    /// </summary>
    public async Task<Invoice> CycleInvoiceAsync(string customerId, DateTimeOffset periodEnd, bool finalized = true)
    {
        var ct = TestContext.Current.CancellationToken;
        return await Eventually.Returns(
            async () => (await StripeClient.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = customerId, Limit = 100 }, cancellationToken: ct)).Data
                .FirstOrDefault(i => i.BillingReason == "subscription_cycle" && i.PeriodEnd == periodEnd.UtcDateTime && (!finalized || i.Status != "draft")),
            invoice => invoice is not null,
            $"{customerId}'s invoice for the period ending {periodEnd:O}")
            ?? throw new InvalidOperationException("unreachable");
    }
}

/// <summary>Stripe's answers to the service, as its HTTP client saw them (each attempt, after the resilience layer's retries too).</summary>
public sealed class StripeAnswers
{
    private readonly ConcurrentQueue<StripeAnswer> _answers = new();
    private readonly ConcurrentDictionary<string, int> _inFlight = new();

    /// <summary>Requests to <paramref name="path"/> sent and not answered yet.</summary>
    public int InFlight(string path) => _inFlight.GetValueOrDefault(path);

    public void Sending(string path) => _inFlight.AddOrUpdate(path, 1, (_, n) => n + 1);

    public void Add(StripeAnswer answer)
    {
        _answers.Enqueue(answer);
        _inFlight.AddOrUpdate(answer.Path, 0, (_, n) => n - 1);
    }

    public IReadOnlyList<StripeAnswer> All => [.. _answers];
}

/// <param name="Status">The HTTP status, or 0 when no answer came (a timeout, a refused connection).</param>
/// <param name="RateLimitedReason">Stripe's <c>Stripe-Rate-Limited-Reason</c> on a 429, e.g. <c>resource-specific</c>.</param>
public sealed record StripeAnswer(string Method, string Path, int Status, string? RateLimitedReason);

internal sealed class StripeAnswerRecorder(StripeAnswers answers) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        answers.Sending(request.RequestUri!.AbsolutePath);
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch (Exception)
        {
            answers.Add(new StripeAnswer(request.Method.Method, request.RequestUri!.AbsolutePath, 0, null));
            throw;
        }

        answers.Add(new StripeAnswer(
            request.Method.Method, request.RequestUri!.AbsolutePath, (int)response.StatusCode,
            response.Headers.TryGetValues("Stripe-Rate-Limited-Reason", out var reason) ? reason.FirstOrDefault() : null));
        return response;
    }
}
