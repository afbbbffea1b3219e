namespace Cic.Billing.CycleSoFar;

/// <summary>
/// Divides an amount Stripe computed among the companies whose calls it bills, in proportion to their calls,
/// in whole minor units that add up to the amount exactly (largest remainder; ties go to the lower id so the
/// answer is the same on every request).
/// </summary>
public static class AmountSplit
{
    public static IReadOnlyDictionary<Guid, long> ByCalls(long amount, IReadOnlyDictionary<Guid, long> calls)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var total = calls.Values.Where(c => c > 0).Sum();
        if (total == 0)
        {
            return calls.ToDictionary(c => c.Key, _ => 0L);
        }

        var shares = calls
            .Select(c =>
            {
                var exact = (decimal)amount * Math.Max(c.Value, 0) / total;
                var floor = decimal.Floor(exact);
                return (Company: c.Key, Amount: (long)floor, Remainder: exact - floor);
            })
            .ToList();
        var left = amount - shares.Sum(s => s.Amount);
        var roundedUp = shares
            .OrderByDescending(s => s.Remainder).ThenBy(s => s.Company)
            .Take((int)left)
            .Select(s => s.Company)
            .ToHashSet();
        return shares.ToDictionary(s => s.Company, s => s.Amount + (roundedUp.Contains(s.Company) ? 1 : 0));
    }
}
