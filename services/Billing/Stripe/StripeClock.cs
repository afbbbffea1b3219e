using Microsoft.Extensions.Options;
using global::Stripe;

namespace Cic.Billing.Stripe;

/// <summary>
/// "Now" as Stripe sees it for the platform's customers: real time, or the frozen time of the
/// configured test clock, so subscriptions are anchored on the month the customer is living in and
/// cards expire (and readiness is judged) by the date Stripe will charge them on.
/// </summary>
public sealed class StripeClock(StripeClient stripe, IOptions<StripeOptions> options, TimeProvider time)
{
    public async Task<DateTimeOffset> NowAsync(CancellationToken cancellationToken)
    {
        if (options.Value.TestClockForNewCustomers is not { } clockId)
        {
            return time.GetUtcNow();
        }

        var clock = await stripe.V1.TestHelpers.TestClocks.GetAsync(clockId, cancellationToken: cancellationToken);
        return new DateTimeOffset(DateTime.SpecifyKind(clock.FrozenTime, DateTimeKind.Utc));
    }
}
