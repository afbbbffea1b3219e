using Cic.Billing.Stripe;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cic.Billing.Tests;

/// <summary>Stripe's rate limit is the account's: every instance takes from one budget in the database.</summary>
public sealed class StripeRequestBudgetTests(BillingFixture billing) : IClassFixture<BillingFixture>
{
    [Fact]
    public async Task Two_instances_share_one_budget_instead_of_each_having_its_own()
    {
        var ct = TestContext.Current.CancellationToken;
        // A budget of one request that takes 100 s to refill: whatever one instance takes, the other cannot.
        var settings = Options.Create(new StripeOptions { SecretKey = $"sk_test_{Guid.NewGuid():N}", RequestsPerSecond = 0.01 });
        var scopes = billing.Services.GetRequiredService<IServiceScopeFactory>();
        using var first = new StripeRequestBudget(scopes, settings, TimeProvider.System);
        using var second = new StripeRequestBudget(scopes, settings, TimeProvider.System);

        Assert.True(await first.TryTakeAsync(1, ct));
        Assert.False(await second.TryTakeAsync(1, ct));
        Assert.False(await first.TryTakeAsync(1, ct));

        // Another Stripe account (key) has a budget of its own.
        using var other = new StripeRequestBudget(scopes, Options.Create(new StripeOptions { SecretKey = $"sk_test_{Guid.NewGuid():N}", RequestsPerSecond = 0.01 }), TimeProvider.System);
        Assert.True(await other.TryTakeAsync(1, ct));
    }
}
