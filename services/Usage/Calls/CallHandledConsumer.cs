using Cic.Contracts.Calls;
using MassTransit;

namespace Cic.Usage.Calls;

/// <summary>Stores <see cref="CallHandled"/> messages a batch at a time: one statement for up to a thousand calls.</summary>
public sealed class CallHandledConsumer(CallRecorder recorder) : IConsumer<Batch<CallHandled>>
{
    public async Task Consume(ConsumeContext<Batch<CallHandled>> context)
    {
        var batch = context.Message;
        var calls = new HandledCall[batch.Length];
        for (var i = 0; i < batch.Length; i++)
        {
            calls[i] = batch[i].Message.ToHandledCall();
        }

        // Not cancelled on shutdown: a statement in flight finishes (milliseconds) and its batch is
        // acknowledged, rather than failing towards the error queue while the service stops.
        await recorder.RecordAsync(calls, CancellationToken.None);
    }
}

/// <summary>Stores <see cref="CallsHandled"/> messages, many calls each, a batch of messages at a time.</summary>
public sealed class CallsHandledConsumer(CallRecorder recorder) : IConsumer<Batch<CallsHandled>>
{
    public async Task Consume(ConsumeContext<Batch<CallsHandled>> context)
    {
        var batch = context.Message;
        var calls = new List<HandledCall>(batch.Length * 100);
        for (var i = 0; i < batch.Length; i++)
        {
            calls.AddRange(batch[i].Message.Calls);
        }

        await recorder.RecordAsync(calls, CancellationToken.None);
    }
}
