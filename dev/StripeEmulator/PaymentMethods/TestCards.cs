namespace Cic.StripeEmulator.PaymentMethods;

/// <summary>
/// Stripe's test payment method ids (https://docs.stripe.com/testing). Using one where a PaymentMethod id is expected
/// creates a fresh <c>pm_…</c> with that card's brand, last4 and behaviour, as Stripe does.
/// </summary>
internal static class TestCards
{
    /// <param name="Brand">Stripe's <c>card.brand</c>.</param>
    /// <param name="Last4">The last four digits of the test card number.</param>
    /// <param name="Funding">credit, debit or prepaid.</param>
    /// <param name="AttachFailure">Declined when attached / confirmed in a SetupIntent (the card never gets saved).</param>
    /// <param name="ChargeFailure">Saves fine, but every later charge fails (<c>pm_card_chargeCustomerFail</c>).</param>
    internal sealed record TestCard(string Brand, string Last4, string Funding, CardFailure? AttachFailure = null, CardFailure? ChargeFailure = null);

    private static readonly CardFailure InsufficientFunds = new("card_declined", "insufficient_funds", "Your card has insufficient funds.");
    private static readonly CardFailure LostCard = new("card_declined", "lost_card", "Your card was declined.");
    private static readonly CardFailure StolenCard = new("card_declined", "stolen_card", "Your card was declined.");
    private static readonly CardFailure IncorrectCvc = new("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.");
    private static readonly CardFailure ProcessingError = new("processing_error", "processing_error", "An error occurred while processing your card. Try again in a little bit.");
    private static readonly CardFailure Velocity = new("card_declined", "card_velocity_exceeded", "Your card was declined for making repeated attempts too frequently or exceeding its amount limit.");

    private static readonly Dictionary<string, TestCard> Cards = new(StringComparer.Ordinal)
    {
        ["pm_card_visa"] = new("visa", "4242", "credit"),
        ["pm_card_visa_debit"] = new("visa", "5556", "debit"),
        ["pm_card_mastercard"] = new("mastercard", "4444", "credit"),
        ["pm_card_mastercard_debit"] = new("mastercard", "8210", "debit"),
        ["pm_card_mastercard_prepaid"] = new("mastercard", "5100", "prepaid"),
        ["pm_card_amex"] = new("amex", "8431", "credit"),
        ["pm_card_discover"] = new("discover", "1117", "credit"),
        ["pm_card_diners"] = new("diners", "0004", "credit"),
        ["pm_card_jcb"] = new("jcb", "0000", "credit"),
        ["pm_card_unionpay"] = new("unionpay", "0005", "credit"),
        ["pm_card_chargeCustomerFail"] = new("visa", "0341", "credit", ChargeFailure: CardFailure.Generic),
        ["pm_card_visa_chargeDeclined"] = new("visa", "0002", "credit", AttachFailure: CardFailure.Generic),
        ["pm_card_chargeDeclined"] = new("visa", "0002", "credit", AttachFailure: CardFailure.Generic),
        ["pm_card_visa_chargeDeclinedInsufficientFunds"] = new("visa", "9995", "credit", AttachFailure: InsufficientFunds),
        ["pm_card_chargeDeclinedInsufficientFunds"] = new("visa", "9995", "credit", AttachFailure: InsufficientFunds),
        ["pm_card_visa_chargeDeclinedLostCard"] = new("visa", "9987", "credit", AttachFailure: LostCard),
        ["pm_card_chargeDeclinedLostCard"] = new("visa", "9987", "credit", AttachFailure: LostCard),
        ["pm_card_visa_chargeDeclinedStolenCard"] = new("visa", "9979", "credit", AttachFailure: StolenCard),
        ["pm_card_chargeDeclinedStolenCard"] = new("visa", "9979", "credit", AttachFailure: StolenCard),
        ["pm_card_chargeDeclinedExpiredCard"] = new("visa", "0069", "credit", AttachFailure: CardFailure.Expired),
        ["pm_card_chargeDeclinedIncorrectCvc"] = new("visa", "0127", "credit", AttachFailure: IncorrectCvc),
        ["pm_card_chargeDeclinedProcessingError"] = new("visa", "0119", "credit", AttachFailure: ProcessingError),
        ["pm_card_visa_chargeDeclinedVelocityLimitExceeded"] = new("visa", "6975", "credit", AttachFailure: Velocity),
    };

    /// <summary>Stripe's test card numbers, as typed into the card form, and the test payment method each behaves as.</summary>
    private static readonly Dictionary<string, string> Numbers = new(StringComparer.Ordinal)
    {
        ["4242424242424242"] = "pm_card_visa",
        ["4000056655665556"] = "pm_card_visa_debit",
        ["5555555555554444"] = "pm_card_mastercard",
        ["5200828282828210"] = "pm_card_mastercard_debit",
        ["5105105105105100"] = "pm_card_mastercard_prepaid",
        ["378282246310005"] = "pm_card_amex",
        ["6011111111111117"] = "pm_card_discover",
        ["4000000000000341"] = "pm_card_chargeCustomerFail",
        ["4000000000000002"] = "pm_card_chargeDeclined",
        ["4000000000009995"] = "pm_card_chargeDeclinedInsufficientFunds",
        ["4000000000009987"] = "pm_card_chargeDeclinedLostCard",
        ["4000000000009979"] = "pm_card_chargeDeclinedStolenCard",
        ["4000000000000069"] = "pm_card_chargeDeclinedExpiredCard",
        ["4000000000000127"] = "pm_card_chargeDeclinedIncorrectCvc",
        ["4000000000000119"] = "pm_card_chargeDeclinedProcessingError",
    };

    public static bool TryGet(string id, out TestCard card) => Cards.TryGetValue(id, out card!);

    /// <summary>The test payment method a card number typed into the card form stands for (spaces ignored).</summary>
    public static bool TryGetByNumber(string number, out string id) =>
        Numbers.TryGetValue(number.Replace(" ", "", StringComparison.Ordinal), out id!);
}
