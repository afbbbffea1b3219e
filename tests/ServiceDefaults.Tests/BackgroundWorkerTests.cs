using System.Threading.Channels;
using Cic.ServiceDefaults.Background;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cic.ServiceDefaults.Tests;

/// <summary>
/// The one shape of background work, on a fake clock and without servers. Each pass records the clock's time, which
/// moves only when the test moves it: a pass recorded at an earlier time than expected ran too early.
/// </summary>
public sealed class BackgroundWorkerTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_pass_runs_at_start_again_at_once_while_more_is_due_then_after_the_poll_interval()
    {
        var work = new RecordedWork(_clock, [true, false, false]);
        await using var running = await RunAsync(work);
        var start = _clock.GetUtcNow();

        Assert.Equal(start, await work.NextPassAsync());
        Assert.Equal(start, await work.NextPassAsync()); // the first said more was due
        var third = await AdvanceUntilPassAsync(work);
        Assert.True(third >= start + Poll, $"The pass after an empty one ran at {third - start} instead of waiting {Poll}.");
    }

    [Fact]
    public async Task A_wakeup_runs_a_pass_without_waiting_for_the_poll_interval()
    {
        var work = new RecordedWork(_clock, [false, false]);
        await using var running = await RunAsync(work);
        var start = await work.NextPassAsync();

        work.Wakeup.Notify();

        Assert.Equal(start, await work.NextPassAsync());
    }

    [Fact]
    public async Task A_failing_pass_is_tried_again_after_the_poll_interval_and_the_worker_goes_on()
    {
        var work = new RecordedWork(_clock, [null, false]); // null: the pass throws
        await using var running = await RunAsync(work);
        var failed = await work.NextPassAsync();

        var next = await AdvanceUntilPassAsync(work);

        Assert.True(next >= failed + Poll, $"The pass after a failure ran at {next - failed} instead of waiting {Poll}.");
    }

    [Fact]
    public async Task A_poll_interval_of_zero_is_refused_at_start_instead_of_looping_busily()
    {
        var worker = new BackgroundWorker<RecordedWork>(new RecordedWork(_clock, [], TimeSpan.Zero), _clock, NullLogger<RecordedWork>.Instance);

        await worker.StartAsync(TestContext.Current.CancellationToken);
        // In a host, the fault of ExecuteAsync stops the service with this reason (BackgroundServiceExceptionBehavior.StopHost).
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => worker.ExecuteTask!);

        Assert.Contains("poll interval must be positive", refused.Message, StringComparison.Ordinal);
    }

    private async Task<RunningWorker> RunAsync(RecordedWork work)
    {
        var worker = new BackgroundWorker<RecordedWork>(work, _clock, NullLogger<RecordedWork>.Instance);
        await worker.StartAsync(TestContext.Current.CancellationToken);
        return new RunningWorker(worker);
    }

    /// <summary>Moves the clock a poll interval at a time until the next pass runs (the worker may not be waiting yet when the clock first moves).</summary>
    private async Task<DateTimeOffset> AdvanceUntilPassAsync(RecordedWork work)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            _clock.Advance(Poll);
            if (await work.TryNextPassAsync(TimeSpan.FromMilliseconds(50)) is { } at)
            {
                return at;
            }
        }

        throw new TimeoutException("No pass ran after the poll interval.");
    }

    private sealed class RunningWorker(BackgroundWorker<RecordedWork> worker) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }
    }

    /// <summary>Work whose passes answer "more is due" (true), "nothing more" (false) or fail (null), in turn, then "nothing more".</summary>
    public sealed class RecordedWork(TimeProvider clock, bool?[] answers, TimeSpan? poll = null) : IBackgroundWork
    {
        private readonly Channel<DateTimeOffset> _passes = Channel.CreateUnbounded<DateTimeOffset>();
        private int _next;

        public TimeSpan PollInterval => poll ?? Poll;

        public Wakeup Wakeup { get; } = new();

        public Task<bool> RunPassAsync(CancellationToken cancellationToken)
        {
            var answer = _next < answers.Length ? answers[_next] : false;
            _next++;
            _passes.Writer.TryWrite(clock.GetUtcNow());
            return answer is { } more ? Task.FromResult(more) : throw new InvalidOperationException("the pass failed");
        }

        public async Task<DateTimeOffset> NextPassAsync() =>
            await TryNextPassAsync(Patience) ?? throw new TimeoutException("No pass ran.");

        public async Task<DateTimeOffset?> TryNextPassAsync(TimeSpan wait)
        {
            using var timeout = new CancellationTokenSource(wait);
            try
            {
                return await _passes.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }
}
