using Cic.ServiceDefaults.Accounts;
using CsCheck;

namespace Cic.Rules.Tests;

/// <summary>The Accounts projection's ordering rule: the event that happened last wins, whatever order events arrive in.</summary>
public sealed class LatestEventWinsTests
{
    [Fact]
    public void Membership_events_applied_in_any_order_end_in_the_state_of_the_latest() =>
        Gen.Select(Gen.Int[0, 1_000].Array[1, 8], Gen.Bool.Array[8], Gen.Int)
            .Sample((minutes, flags, seed) =>
            {
                var at = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
                // Accounts stamps one account's membership events at distinct moments.
                var events = minutes.Distinct().Select((m, i) => (At: at.AddMinutes(m), IsMember: flags[i])).ToList();
                var random = new Random(seed);
                var shuffled = events.OrderBy(_ => random.Next()).ToList();

                (DateTimeOffset At, bool IsMember)? row = null;
                foreach (var e in shuffled)
                {
                    if (row is not { } held || LatestEventWins.Replaces(held.At, e.At))
                    {
                        row = e;
                    }
                }

                return row == events.MaxBy(e => e.At);
            });

    [Fact]
    public void At_the_same_moment_the_event_applied_last_wins() =>
        Assert.True(LatestEventWins.Replaces(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));

    [Fact]
    public void The_upsert_updates_only_from_a_later_event_keeps_the_key_and_keeps_what_a_removal_does_not_carry()
    {
        var sql = LatestEventWins.UpsertSql(
            "members", schema: null,
            [new("account_id", IsKey: true), new("user_id", IsKey: true), new("role", IsKey: false), new("is_active", IsKey: false)],
            isMember: "is_active", asOf: "changed_at");

        Assert.Contains("INSERT INTO \"members\" (\"account_id\", \"user_id\", \"role\", \"is_active\", \"changed_at\")", sql);
        Assert.Contains("VALUES ({0}, {1}, {2}, {3}, {4})", sql);
        Assert.Contains("ON CONFLICT (\"account_id\", \"user_id\") DO UPDATE", sql);
        Assert.Contains("\"role\" = CASE WHEN excluded.\"is_active\" THEN excluded.\"role\" ELSE \"members\".\"role\" END", sql);
        Assert.Contains("\"is_active\" = excluded.\"is_active\", \"changed_at\" = excluded.\"changed_at\"", sql);
        Assert.Contains("WHERE \"members\".\"changed_at\" <= excluded.\"changed_at\"", sql);
        Assert.DoesNotContain("\"user_id\" =", sql);
    }
}
