using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;

namespace Cic.Billing.Stripe;

/// <summary>
/// Stripe's rate limits belong to the Stripe account, so every instance of the service shares them: token buckets
/// kept in PostgreSQL (one row each, refilled by the database's clock, holding at most one second's worth), one for
/// all requests (<see cref="StripeOptions.RequestsPerSecond"/>) and, when Stripe counts them apart, one for meter
/// events (<see cref="StripeOptions.MeterEventsPerSecond"/>). Each instance takes requests from a bucket in small
/// blocks (a twentieth of a second's worth, at least one) and spends them locally, so two instances together stay
/// under the limit instead of reaching twice it, at one database round trip per block.
/// </summary>
public sealed class StripeRequestBudget(IServiceScopeFactory scopes, IOptions<StripeOptions> options, TimeProvider time) : IDisposable
{
    // Refill, then take @n if the bucket holds that many; no row comes back when it does not.
    private const string Take = """
        INSERT INTO stripe_request_budget AS b (name, tokens, refilled_at)
        VALUES (@name, @capacity - @n, clock_timestamp())
        ON CONFLICT (name) DO UPDATE
            SET tokens = least(@capacity, b.tokens + extract(epoch FROM clock_timestamp() - b.refilled_at) * @rate) - @n,
                refilled_at = clock_timestamp()
            WHERE least(@capacity, b.tokens + extract(epoch FROM clock_timestamp() - b.refilled_at) * @rate) >= @n
        RETURNING tokens AS "Value"
        """;

    private readonly Lazy<string> _keyHash = new(() =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(options.Value.SecretKey)))[..16]);

    private readonly Lane _requests = new("requests");
    private readonly Lane _meterEvents = new("meter-events");

    /// <summary>Waits until this instance may send one more request to Stripe.</summary>
    public Task WaitAsync(bool meterEvent, CancellationToken cancellationToken) =>
        meterEvent && options.Value.MeterEventsPerSecond > 0
            ? WaitAsync(_meterEvents, options.Value.MeterEventsPerSecond, cancellationToken)
            : WaitAsync(_requests, options.Value.RequestsPerSecond, cancellationToken);

    /// <summary>Takes <paramref name="requests"/> from the shared bucket of all requests if it holds that many.</summary>
    public Task<bool> TryTakeAsync(int requests, CancellationToken cancellationToken) =>
        TryTakeAsync(_requests, options.Value.RequestsPerSecond, requests, cancellationToken);

    private async Task WaitAsync(Lane lane, double rate, CancellationToken cancellationToken)
    {
        var block = Math.Max(1, (int)(rate / 20));
        await lane.Gate.WaitAsync(cancellationToken);
        try
        {
            while (lane.Held == 0)
            {
                if (await TryTakeAsync(lane, rate, block, cancellationToken))
                {
                    lane.Held = block;
                    break;
                }

                // The time the bucket needs to refill a block.
                await Task.Delay(TimeSpan.FromSeconds(block / rate), time, cancellationToken);
            }

            lane.Held--;
        }
        finally
        {
            lane.Gate.Release();
        }
    }

    private async Task<bool> TryTakeAsync(Lane lane, double rate, int requests, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BillingDb>();
        var left = await db.Database
            .SqlQueryRaw<double>(Take,
                new Npgsql.NpgsqlParameter("name", BucketName(lane)),
                new Npgsql.NpgsqlParameter("n", (double)requests),
                new Npgsql.NpgsqlParameter("capacity", Math.Max(requests, rate)),
                new Npgsql.NpgsqlParameter("rate", rate))
            .ToListAsync(cancellationToken);
        return left.Count == 1;
    }

    /// <summary>Per Stripe key (test and live keys have limits of their own), named by a hash of it, never the key.</summary>
    private string BucketName(Lane lane) => $"{lane.Name}-{_keyHash.Value}";

    public void Dispose()
    {
        _requests.Gate.Dispose();
        _meterEvents.Gate.Dispose();
    }

    /// <summary>This instance's share of one bucket: the requests it took and has not spent yet.</summary>
    private sealed class Lane(string name)
    {
        public string Name { get; } = name;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Held { get; set; }
    }
}

/// <summary>The shared bucket's row: requests left, and when it was last refilled.</summary>
public sealed class StripeRequestAllowance
{
    public required string Name { get; init; }

    public double Tokens { get; set; }

    public DateTimeOffset RefilledAt { get; set; }
}

internal sealed class StripeRequestAllowanceConfiguration : IEntityTypeConfiguration<StripeRequestAllowance>
{
    public void Configure(EntityTypeBuilder<StripeRequestAllowance> allowance)
    {
        allowance.ToTable("stripe_request_budget");
        allowance.HasKey(a => a.Name);
        allowance.Property(a => a.Name).HasMaxLength(50);
    }
}

/// <summary>Inside the retry handler, so every attempt, not only the first, counts against the shared budget.</summary>
public sealed class StripeRequestBudgetHandler(StripeRequestBudget budget) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var meterEvent = request.Method == HttpMethod.Post && request.RequestUri?.AbsolutePath.TrimEnd('/') == "/v1/billing/meter_events";
        await budget.WaitAsync(meterEvent, cancellationToken);
        return await base.SendAsync(request, cancellationToken);
    }
}
