namespace Cic.StripeEmulator.Tests;

/// <summary>Polls for a condition with a bounded timeout instead of sleeping a fixed time.</summary>
internal static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    public static Task<T> GetAsync<T>(Func<T?> probe, string what, TimeSpan? timeout = null) =>
        GetAsync(() => Task.FromResult(probe()), what, timeout);
}
