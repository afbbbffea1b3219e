using Cic.Accounts.BillingArrangements;
using Cic.Contracts;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Cic.Rules.Tests;

/// <summary>
/// Accounts' billing arrangement rule (the seed's "switching billing levels"): a company's first arrangement is in
/// force at once; a move changes the payer only from the next calendar month; moving back before then cancels it.
/// The decisions are kept in memory as the database keeps them, and applied as <see cref="ArrangementPlanner.PlanAsync"/> does.
/// </summary>
public sealed class ArrangementPlannerTests
{
    private static readonly Guid Company = Guid.NewGuid();
    private static readonly Guid GroupA = Guid.NewGuid();
    private static readonly Guid GroupB = Guid.NewGuid();

    [Fact]
    public void A_companys_first_arrangement_is_in_force_at_once()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 17, 10, 0, 0, TimeSpan.Zero));
        var history = new History();

        var plan = history.Move(GroupA, clock.GetUtcNow());

        Assert.Equal(new ArrangementPlan(null, clock.GetUtcNow(), RecordsArrangement: true), plan);
        Assert.Equal(GroupA, history.PayerAt(clock.GetUtcNow()));
    }

    [Fact]
    public void A_move_changes_the_payer_from_the_start_of_the_next_calendar_month_in_utc()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
        var history = new History();
        history.Move(null, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromDays(10));

        // 23:30 on 30 November at UTC-5 is already December in UTC: the switch is at the start of January.
        var lateEvening = new DateTimeOffset(2026, 11, 30, 23, 30, 0, TimeSpan.FromHours(-5));
        var plan = history.Move(GroupA, lateEvening);

        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), plan.AnnounceFrom);
        Assert.True(plan.RecordsArrangement);
        Assert.Null(plan.Cancel);
        Assert.Equal(Company, history.PayerAt(new DateTimeOffset(2026, 12, 31, 23, 59, 59, TimeSpan.Zero)));
        Assert.Equal(GroupA, history.PayerAt(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Moving_back_before_the_switch_cancels_it_and_announces_that_the_old_payer_stays()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
        var history = new History();
        history.Move(null, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromDays(3));
        var move = history.Move(GroupA, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromDays(4));

        var back = history.Move(null, clock.GetUtcNow());

        Assert.NotNull(back.Cancel);
        Assert.Equal(clock.GetUtcNow(), back.Cancel.CancelledAt);
        Assert.Equal(GroupA, back.Cancel.PayerId);
        Assert.Equal(move.AnnounceFrom, back.AnnounceFrom);
        Assert.False(back.RecordsArrangement);
        Assert.Equal(Company, history.PayerAt(new DateTimeOffset(2027, 6, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Moving_to_another_organization_before_the_switch_replaces_the_pending_one()
    {
        var history = new History();
        var now = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
        history.Move(null, now);
        history.Move(GroupA, now.AddDays(1));

        var plan = history.Move(GroupB, now.AddDays(2));

        Assert.Equal(GroupA, plan.Cancel?.PayerId);
        Assert.True(plan.RecordsArrangement);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), plan.AnnounceFrom);
        Assert.Equal(GroupB, history.PayerAt(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Asking_again_for_what_is_already_planned_or_in_force_changes_nothing()
    {
        var history = new History();
        var now = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
        history.Move(null, now);
        Assert.Equal(new ArrangementPlan(null, null, RecordsArrangement: false), history.Move(null, now.AddHours(1)));
        history.Move(GroupA, now.AddHours(2));
        Assert.Equal(new ArrangementPlan(null, null, RecordsArrangement: false), history.Move(GroupA, now.AddHours(3)));
    }

    [Fact]
    public void At_the_switch_the_new_payer_is_in_force_and_nothing_is_pending_any_more()
    {
        var history = new History();
        var now = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
        history.Move(null, now);
        var switchAt = history.Move(GroupA, now.AddDays(1)).AnnounceFrom!.Value;

        var (before, pendingBefore) = BillingArrangement.At(history.Decisions, switchAt.AddTicks(-1));
        var (at, pendingAt) = BillingArrangement.At(history.Decisions, switchAt);

        Assert.Equal((Company, GroupA), (before?.PayerId, pendingBefore?.PayerId));
        Assert.Equal(GroupA, at?.PayerId);
        Assert.Null(pendingAt);
        Assert.Equal(Company, BillingArrangement.At(history.Decisions, now).InForce?.PayerId); // in force from the very moment it was decided
        Assert.Null(BillingArrangement.At(history.Decisions, now.AddTicks(-1)).InForce);
    }

    [Fact]
    public void A_company_in_an_organization_is_billed_through_it_otherwise_on_its_own()
    {
        Assert.Equal((AccountKind.Organization, GroupA), ArrangementPlanner.PayerFor(Company, GroupA));
        Assert.Equal((AccountKind.Company, Company), ArrangementPlanner.PayerFor(Company, null));
    }

    [Fact]
    public void Moving_a_company_out_and_back_before_the_cycle_ends_changes_no_payer_at_any_moment() =>
        Gen.Select(Histories, Gen.OneOf<Guid?>(null, GroupA, GroupB), Gen.Long[0, TimeSpan.TicksPerDay * 40], Gen.Double[0, 1])
            .Sample(sample =>
            {
                var (steps, elsewhere, afterTicks, backFraction) = sample;
                var history = History.Of(steps, out var now);
                var outAt = now.AddTicks(afterTicks);
                var current = history.Membership;
                if (elsewhere == current)
                {
                    return;
                }

                var before = history.Snapshot();
                // Out, then back before the next cycle starts.
                var cycleEnd = BillingCycle.Containing(outAt).End;
                var backAt = outAt + (cycleEnd - outAt - TimeSpan.FromTicks(1)) * backFraction;
                history.Move(elsewhere, outAt);
                history.Move(current, backAt);

                foreach (var probe in Probes(now))
                {
                    Assert.Equal(History.PayerAt(before, probe), history.PayerAt(probe));
                }
            });

    [Fact]
    public void After_any_decision_the_current_payer_is_unchanged_and_the_next_cycle_is_paid_by_whoever_membership_names() =>
        Gen.Select(Histories, Gen.OneOf<Guid?>(null, GroupA, GroupB), Gen.Long[0, TimeSpan.TicksPerDay * 70])
            .Sample(sample =>
            {
                var (steps, target, afterTicks) = sample;
                var history = History.Of(steps, out var last);
                var now = last.AddTicks(afterTicks);
                var payerNow = history.PayerAt(now);

                history.Move(target, now);

                Assert.Equal(payerNow, history.PayerAt(now));
                Assert.Equal(target ?? Company, history.PayerAt(BillingCycle.Containing(now).End));
            });

    [Fact]
    public void The_payer_changes_only_where_a_calendar_month_starts() =>
        Histories.Sample(steps =>
        {
            var history = History.Of(steps, out var last);
            var first = history.FirstEffective;
            var moments = Probes(last).Where(p => p >= first).Order().ToList();
            foreach (var (earlier, later) in moments.Zip(moments.Skip(1)))
            {
                if (BillingCycle.Containing(earlier).Start == BillingCycle.Containing(later).Start)
                {
                    Assert.Equal(history.PayerAt(earlier), history.PayerAt(later));
                }
            }
        });

    /// <summary>Up to a dozen membership changes (own, A or B), each a few hours to weeks after the last.</summary>
    private static readonly Gen<(Guid? Organization, long Ticks)[]> Histories =
        Gen.Select(Gen.OneOf<Guid?>(null, GroupA, GroupB), Gen.Long[0, TimeSpan.TicksPerDay * 25]).Array[1, 12];

    private static IEnumerable<DateTimeOffset> Probes(DateTimeOffset around)
    {
        for (var hours = -24 * 400; hours <= 24 * 120; hours += 7)
        {
            yield return around.AddHours(hours);
        }
    }

    /// <summary>One company's decisions, kept and changed as the planner's caller does.</summary>
    private sealed class History
    {
        private readonly List<BillingArrangement> _decisions = [];
        private long _version;

        public Guid? Membership { get; private set; }

        public IReadOnlyList<BillingArrangement> Decisions => _decisions;

        public DateTimeOffset FirstEffective => _decisions.Min(d => d.EffectiveFrom);

        public static History Of((Guid? Organization, long Ticks)[] steps, out DateTimeOffset last)
        {
            var history = new History();
            last = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            foreach (var (organization, ticks) in steps)
            {
                last = last.AddTicks(ticks);
                history.Move(organization, last);
            }

            return history;
        }

        public ArrangementPlan Move(Guid? organization, DateTimeOffset now)
        {
            Membership = organization;
            var (kind, payer) = ArrangementPlanner.PayerFor(Company, organization);
            var plan = ArrangementPlanner.Plan(_decisions.Where(d => d.CancelledAt is null).ToList(), kind, payer, now);
            if (plan.Cancel is { } pending)
            {
                pending.CancelledAt = now;
            }

            if (plan.AnnounceFrom is { } from)
            {
                _version++;
                if (plan.RecordsArrangement)
                {
                    _decisions.Add(new BillingArrangement { Id = Guid.NewGuid(), CompanyId = Company, PayerKind = kind, PayerId = payer, EffectiveFrom = from, DecidedAt = now, Version = _version });
                }
            }

            return plan;
        }

        /// <summary>A copy of the live decisions, which later moves leave alone.</summary>
        public List<BillingArrangement> Snapshot() =>
            _decisions.Where(d => d.CancelledAt is null)
                .Select(d => new BillingArrangement { Id = d.Id, CompanyId = d.CompanyId, PayerKind = d.PayerKind, PayerId = d.PayerId, EffectiveFrom = d.EffectiveFrom, Version = d.Version })
                .ToList();

        public Guid? PayerAt(DateTimeOffset moment) => PayerAt(_decisions, moment);

        public static Guid? PayerAt(IEnumerable<BillingArrangement> decisions, DateTimeOffset moment) => BillingArrangement.At(decisions, moment).InForce?.PayerId;
    }
}
