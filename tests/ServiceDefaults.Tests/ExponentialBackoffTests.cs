namespace Cic.ServiceDefaults.Tests;

/// <summary>The one backoff the relay, the Stripe event processor, the meter pusher, email delivery and call ingestion wait by.</summary>
public sealed class ExponentialBackoffTests
{
    private static readonly TimeSpan First = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(10);

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(3, 8)]
    [InlineData(9, 512)]
    [InlineData(10, 600)]
    [InlineData(int.MaxValue, 600)]
    public void The_wait_doubles_with_each_failure_up_to_the_ceiling(int failures, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), ExponentialBackoff.After(failures, First, Max));

    [Fact]
    public void No_failure_yet_waits_the_first_wait() =>
        Assert.Equal(First, ExponentialBackoff.After(0, First, Max));
}
