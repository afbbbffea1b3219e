namespace Cic.Testing;

/// <summary>Waits for something that happens asynchronously (a message consumed, a relay pass), with a bound.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="probe"/> until it returns true; fails with <paramref name="what"/> when time runs out.</summary>
    public static async Task IsTrue(Func<Task<bool>> probe, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await probe())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0}s waiting for: {what}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Polls until <paramref name="probe"/> returns a value that satisfies <paramref name="done"/>, and returns it.</summary>
    public static async Task<T> Returns<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0}s waiting for: {what}; last value: {value}");
            }

            await Task.Delay(100);
        }
    }
}
