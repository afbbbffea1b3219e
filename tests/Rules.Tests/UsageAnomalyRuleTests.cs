using Cic.Usage.Anomalies;

namespace Cic.Rules.Tests;

/// <summary>The unusual-usage rule on its own: no server needed.</summary>
public sealed class UsageAnomalyRuleTests
{
    private static readonly UsageAnomalyOptions Defaults = new(); // 24 hours, ×4 / ÷4, at least 100 calls apart

    [Theory]
    [InlineData(400, 100.0, UsageDirection.Spike)] // exactly 4× the usual
    [InlineData(399, 100.0, null)]                 // just under
    [InlineData(100, 400.0, UsageDirection.Drop)]  // exactly a quarter
    [InlineData(101, 400.0, null)]
    [InlineData(0, 400.0, UsageDirection.Drop)]
    [InlineData(120, 10.0, UsageDirection.Spike)]  // 12× and 110 calls more
    [InlineData(60, 10.0, null)]                   // 6× but only 50 calls more: a small company's noise
    [InlineData(0, 90.0, null)]                    // a drop to nothing, but fewer than 100 calls apart
    [InlineData(100, 25.0, null)]                  // 4× but only 75 calls more
    [InlineData(150, 0.0, UsageDirection.Spike)]   // calls where there were none
    public void An_hour_is_unusual_only_far_from_the_usual_both_relatively_and_in_calls(long calls, double usual, UsageDirection? expected) =>
        Assert.Equal(expected, UsageAnomalyRule.Judge(calls, usual, hasFullHistory: true, Defaults));

    [Fact]
    public void A_company_without_a_full_baseline_of_history_has_no_pattern_to_break() =>
        Assert.Null(UsageAnomalyRule.Judge(10_000, 0, hasFullHistory: false, Defaults));

    [Fact]
    public void The_thresholds_are_configurable()
    {
        var strict = new UsageAnomalyOptions { SpikeFactor = 2, DropFactor = 2, MinimumChange = 5 };
        Assert.Equal(UsageDirection.Spike, UsageAnomalyRule.Judge(20, 10, true, strict));
        Assert.Equal(UsageDirection.Drop, UsageAnomalyRule.Judge(5, 10, true, strict));
        Assert.Null(UsageAnomalyRule.Judge(20, 10, true, Defaults));
    }

    [Fact]
    public void An_hour_exactly_the_minimum_change_away_is_far_enough()
    {
        var options = new UsageAnomalyOptions { SpikeFactor = 2, DropFactor = 2, MinimumChange = 10 };
        Assert.Equal(UsageDirection.Spike, UsageAnomalyRule.Judge(20, 10, true, options));
        Assert.Equal(UsageDirection.Drop, UsageAnomalyRule.Judge(10, 20, true, options));
        Assert.Null(UsageAnomalyRule.Judge(19, 10, true, options));
    }

    [Fact]
    public void The_defaults_are_the_documented_ones()
    {
        var defaults = new UsageAnomalyOptions();
        Assert.True(defaults.Enabled);
        Assert.Equal((24, 4.0, 4.0, 100L), (defaults.BaselineHours, defaults.SpikeFactor, defaults.DropFactor, defaults.MinimumChange));
        Assert.Equal("Usage:Anomalies", UsageAnomalyOptions.Section);
    }
}
