using Cic.Contracts.Calls;
using Cic.Usage.Calls;
using Cic.Usage.Sequences;

namespace Cic.Usage.Tests;

/// <summary>How runs of sequence numbers open, shrink, split and close gaps: no server needed.</summary>
public sealed class SequenceRangeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_run_beyond_the_next_number_opens_a_gap_with_its_neighbours_times_and_late_runs_split_then_close_it()
    {
        var source = new SequenceSource { SourceSystem = "ivr", LowestSeen = 1, LowestSeenHandledAt = T0.AddMinutes(-4), HighestSeen = 5, HighestSeenHandledAt = T0 };
        var gaps = new List<SequenceGap>();
        var added = new List<SequenceGap>();

        Apply(source, gaps, added, Run(11, 12, 11));
        var gap = Assert.Single(added);
        Assert.Equal((6L, 10L, 5L, T0, T0.AddMinutes(11)), (gap.FirstMissing, gap.LastMissing, gap.Missing, gap.BeforeHandledAt, gap.AfterHandledAt));
        Assert.Equal(12, source.HighestSeen);

        // 8 arrives late: the gap splits into 6–7 and 9–10, both as old as the first.
        Apply(source, gaps, added, Run(8, 8, 8));
        Assert.Equal([(6L, 7L), (9L, 10L)], gaps.Where(g => g.ClosedAt is null).Select(g => (g.FirstMissing, g.LastMissing)).Order());
        Assert.All(gaps, g => Assert.Equal(gap.OpenedAt, g.OpenedAt));
        Assert.Equal(T0.AddMinutes(8), gap.AfterHandledAt);

        // 6–7 arrive: that part closes; 9–10 arrive: the rest closes. Nothing new opens.
        Apply(source, gaps, added, Run(6, 7, 6));
        Apply(source, gaps, added, Run(9, 10, 9));
        Assert.All(gaps, g => Assert.NotNull(g.ClosedAt));
        Assert.Equal(2, added.Count);
        Assert.Equal(12, source.HighestSeen);
    }

    [Fact]
    public void Consecutive_duplicate_and_overlapping_runs_open_nothing()
    {
        var source = new SequenceSource { SourceSystem = "ivr", LowestSeen = 1, LowestSeenHandledAt = T0.AddMinutes(-4), HighestSeen = 5, HighestSeenHandledAt = T0 };
        var gaps = new List<SequenceGap>();
        var added = new List<SequenceGap>();

        Apply(source, gaps, added, Run(6, 9, 6));
        Apply(source, gaps, added, Run(3, 9, 3));
        Apply(source, gaps, added, Run(8, 12, 8));

        Assert.Empty(added);
        Assert.Equal((12L, T0.AddMinutes(12)), (source.HighestSeen, source.HighestSeenHandledAt));
    }

    [Fact]
    public void A_run_that_covers_part_of_a_gap_and_goes_beyond_shrinks_it_from_the_right()
    {
        var source = new SequenceSource { SourceSystem = "ivr", LowestSeen = 1, LowestSeenHandledAt = T0, HighestSeen = 1, HighestSeenHandledAt = T0 };
        var gaps = new List<SequenceGap>();
        var added = new List<SequenceGap>();
        Apply(source, gaps, added, Run(10, 10, 10)); // 2–9 missing

        Apply(source, gaps, added, Run(5, 9, 5));

        var gap = Assert.Single(gaps);
        Assert.Equal((2L, 4L, T0.AddMinutes(5)), (gap.FirstMissing, gap.LastMissing, gap.AfterHandledAt));
        Assert.Null(gap.ClosedAt);
    }

    [Fact]
    public void Numbers_arriving_below_the_first_ones_seen_open_a_gap_below_them()
    {
        var source = new SequenceSource { SourceSystem = "ivr", LowestSeen = 9, LowestSeenHandledAt = T0.AddMinutes(9), HighestSeen = 10, HighestSeenHandledAt = T0.AddMinutes(10) };
        var gaps = new List<SequenceGap>();
        var added = new List<SequenceGap>();

        Apply(source, gaps, added, Run(1, 5, 1));

        var gap = Assert.Single(added);
        Assert.Equal((6L, 8L, T0.AddMinutes(5), T0.AddMinutes(9)), (gap.FirstMissing, gap.LastMissing, gap.BeforeHandledAt, gap.AfterHandledAt));
        Assert.Equal((1L, 10L), (source.LowestSeen, source.HighestSeen));
    }

    [Fact]
    public void A_negative_sequence_number_is_refused_naming_the_field() =>
        Assert.StartsWith("Sequence is negative", CallRules.Problem(new HandledCall("ivr", "c-1", Guid.NewGuid(), T0, 1, -1), T0, TimeSpan.FromMinutes(5)));

    private static SequenceRun Run(long first, long last, int minute) =>
        new("ivr", first, last, T0.AddMinutes(minute), T0.AddMinutes(minute + (last - first)));

    private static void Apply(SequenceSource source, List<SequenceGap> gaps, List<SequenceGap> added, SequenceRun run) =>
        SequenceRanges.Apply(source, gaps, run, T0.AddHours(1), gap =>
        {
            added.Add(gap);
            return gap;
        });
}
