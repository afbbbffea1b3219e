using Cic.Billing.CycleSoFar;
using CsCheck;

namespace Cic.Rules.Tests;

/// <summary>An organization's charge so far divided among its companies by their calls, in whole cents.</summary>
public sealed class AmountSplitTests
{
    private static readonly Guid Alpha = new("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid Beta = new("00000000-0000-0000-0000-00000000000b");
    private static readonly Guid Gamma = new("00000000-0000-0000-0000-00000000000c");

    [Fact]
    public void Shares_follow_the_calls_and_a_cent_left_over_goes_to_the_largest_remainder()
    {
        var shares = AmountSplit.ByCalls(100, new Dictionary<Guid, long> { [Alpha] = 1, [Beta] = 1, [Gamma] = 1 });

        // 33.33 each: the leftover cent goes to the lowest id, the same on every request.
        Assert.Equal([34L, 33L, 33L], [shares[Alpha], shares[Beta], shares[Gamma]]);
        Assert.Equal([14L, 26L, 0L], new[] { Alpha, Beta, Gamma }.Select(c => AmountSplit.ByCalls(40, new Dictionary<Guid, long> { [Alpha] = 7, [Beta] = 13, [Gamma] = 0 })[c]));
    }

    [Fact]
    public void Without_calls_nobody_is_charged_and_a_negative_amount_is_refused()
    {
        Assert.All(AmountSplit.ByCalls(500, new Dictionary<Guid, long> { [Alpha] = 0, [Beta] = 0 }).Values, share => Assert.Equal(0, share));
        Assert.Empty(AmountSplit.ByCalls(500, new Dictionary<Guid, long>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => AmountSplit.ByCalls(-1, new Dictionary<Guid, long> { [Alpha] = 1 }));
    }

    [Fact]
    public void The_shares_add_up_to_the_amount_and_each_is_within_a_cent_of_its_exact_part() =>
        Gen.Select(Gen.Long[0, 10_000_000], Gen.Long[0, 1_000_000].Array[1, 30])
            .Sample(sample =>
            {
                var (amount, calls) = sample;
                var byCompany = calls.Select((c, i) => (Company: new Guid(i + 1, 0, 0, new byte[8]), Calls: c)).ToDictionary(x => x.Company, x => x.Calls);
                var shares = AmountSplit.ByCalls(amount, byCompany);
                var total = calls.Sum();
                if (total == 0)
                {
                    return shares.Values.All(s => s == 0);
                }

                return shares.Values.Sum() == amount
                    && byCompany.All(c => Math.Abs(shares[c.Key] - ((decimal)amount * c.Value / total)) < 1);
            });
}
