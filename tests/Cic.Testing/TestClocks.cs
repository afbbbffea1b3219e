using Stripe;
using Stripe.TestHelpers;

namespace Cic.Testing;

/// <summary>Moving a Stripe test clock forward, as tests driving Stripe (or its emulator) must.</summary>
public static class TestClocks
{
    /// <summary>
    /// Moves the clock to <paramref name="to"/> and waits until Stripe has run everything due by then
    /// (renewals, invoices, charges), as one must with Stripe's asynchronous test clocks: status <c>ready</c>.
    /// </summary>
    /// <returns>The clock, ready.</returns>
    public static async Task<TestClock> AdvanceTestClockAsync(
        this StripeClient client, string clockId, DateTimeOffset to, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await client.V1.TestHelpers.TestClocks.AdvanceAsync(clockId, new TestClockAdvanceOptions { FrozenTime = to.UtcDateTime }, cancellationToken: cancellationToken);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var clock = await client.V1.TestHelpers.TestClocks.GetAsync(clockId, cancellationToken: cancellationToken);
            if (clock.Status == "ready")
            {
                return clock;
            }

            if (clock.Status == "internal_failure" || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Test clock {clockId} is '{clock.Status}' {timeout.TotalSeconds:0}s after advancing to {to:O}.");
            }

            await Task.Delay(250, cancellationToken);
        }
    }
}
