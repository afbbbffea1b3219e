using System.Collections.Concurrent;
using Cic.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;

namespace Cic.ServiceDefaults.Tests.Ledger;

public static class LedgerHostExtensions
{
    /// <summary>Starts the app and waits until <c>/health</c> says its database and bus are ready.</summary>
    public static async Task StartHealthyAsync(this WebApplication app)
    {
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var client = app.GetTestClient();
        await Eventually.IsTrue(
            async () => (await client.GetAsync("/health")).IsSuccessStatusCode,
            "the ledger app to report healthy");
    }
}

/// <summary>
/// Counts every delivery a receive endpoint has finished with (consumed, or skipped by the inbox), by
/// message id. Counting at the end of receive, not the start, means a counted delivery's transaction is over.
/// </summary>
public sealed class DeliveryCounter : IReceiveObserver
{
    private readonly ConcurrentDictionary<Guid, int> _deliveries = new();

    public int DeliveriesOf(Guid messageId) => _deliveries.GetValueOrDefault(messageId);

    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context)
    {
        if (context.GetMessageId() is { } id)
        {
            _deliveries.AddOrUpdate(id, 1, (_, count) => count + 1);
        }

        return Task.CompletedTask;
    }

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType) where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception) where T : class => Task.CompletedTask;

    public Task ReceiveFault(ReceiveContext context, Exception exception) => Task.CompletedTask;
}
