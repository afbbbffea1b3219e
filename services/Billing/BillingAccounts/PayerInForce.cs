namespace Cic.Billing.BillingAccounts;

// Which arrangement is in force at a moment, as a plain function (tests/Rules.Tests; ./cic mutate mutates this file).
public static partial class Payers
{
    /// <summary>Of one company's arrangements, the one in force at <paramref name="at"/> (see <see cref="InForceAtAsync"/>).</summary>
    public static BillingArrangement? InForceAt(IEnumerable<BillingArrangement> arrangements, DateTimeOffset at)
    {
        var all = arrangements.ToList();
        return all.Where(a => a.EffectiveFrom <= at).MaxBy(a => a.EffectiveFrom) ?? all.MinBy(a => a.EffectiveFrom);
    }
}
