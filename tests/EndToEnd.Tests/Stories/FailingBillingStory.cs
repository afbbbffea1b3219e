using Cic.EndToEnd.Tests.Actors;
using Cic.EndToEnd.Tests.Platform;
using Cic.Testing;

namespace Cic.EndToEnd.Tests.Stories;

/// <summary>Story 4 before the month ends: a company with calls whose default card's bank starts declining it.</summary>
public sealed class FailingMonth
{
    public required Company Company { get; init; }

    public required AccountUser Owner { get; init; }

    public required AccountUser BillingMember { get; init; }

    public required AccountUser PlainMember { get; init; }

    public required Card DecliningCard { get; init; }

    public required int Calls { get; init; }

    public IReadOnlyDictionary<Guid, long> Payers => new Dictionary<Guid, long> { [Company.Id] = Calls };

    public static async Task<FailingMonth> BeforeAsync(RunningPlatform platform, DateTimeOffset hour)
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var company = await platform.Staff.Accounts.RegisterCompanyAsync($"Failing Florists {tag}");
        var owner = await platform.MemberAsync("companies", company.Id, "Fiona", "Owner", tag);
        var billing = await platform.MemberAsync("companies", company.Id, "Ben", "Billing", tag);
        var member = await platform.MemberAsync("companies", company.Id, "Mia", "Member", tag);
        var card = await owner.AddsDefaultCardAsync(platform, company.Id);

        await using var ivr = platform.CallHandlingSystem($"florist-ivr-{tag}");
        await ivr.PublishAsync(ivr.Calls(company.Id, hour, 30, "fl"));

        // The card was fine when added; now its bank declines every charge.
        await platform.Stripe.MakeCardDeclineAsync(card.Id, "insufficient_funds");
        return new FailingMonth { Company = company, Owner = owner, BillingMember = billing, PlainMember = member, DecliningCard = card, Calls = 30 };
    }
}

/// <summary>Story 4, the seed's "When billing is failing".</summary>
[Collection(nameof(TheMonthRunOut))]
public sealed class FailingBillingStory(RunningPlatform platform, MonthEnd month)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private FailingMonth Story => month.Failing;

    [Fact]
    public async Task A_declined_invoice_is_flagged_its_members_are_told_and_staff_fix_it_with_a_new_card_and_a_retry()
    {
        var staff = platform.Staff.Billing;
        var amount = Story.Calls * RunningPlatform.CentsPerCall;

        // "Past-due invoices appear flagged in the Invoices list."
        var flagged = await Eventually.Returns(
            async () => (await staff.AllInvoicesAsync(pastDue: true)).Items.FirstOrDefault(i => i.AccountId == Story.Company.Id),
            invoice => invoice is not null,
            "the company's invoice among the past-due ones", TimeSpan.FromMinutes(2));
        Assert.Equal((true, "open", Story.Company.Name, amount), (flagged!.PastDue, flagged.Status, flagged.AccountName, flagged.AmountRemaining));
        Assert.Equal("insufficient_funds", flagged.LastPaymentError);
        var seenByOwner = Assert.Single((await Story.Owner.Portal.Billing.InvoicesAsync(Story.Company.Id, Ct)).Items, i => i.PastDue);
        Assert.Equal(flagged.Id, seenByOwner.Id);

        // "The portal also surfaces them via notification": to the owner and the billing member, not the plain member.
        foreach (var user in new[] { Story.Owner, Story.BillingMember })
        {
            var notice = Assert.Single(await user.NotifiedAsync("invoice-past-due"));
            Assert.Equal(Story.Company.Id, notice.AccountId);
            await Eventually.IsTrue(
                () => Task.FromResult(platform.MailTo(user.Email).Any(m => m.Subject?.StartsWith("Past due", StringComparison.Ordinal) == true)),
                $"the past-due email to {user.DisplayName}", PortalSteps.Patience);
        }

        Assert.Empty(await Story.PlainMember.NotificationsAsync("invoice-past-due"));

        // "Identify the affected company… add it on their behalf if they've authorized you to."
        await Story.Owner.Portal.Billing.AuthorizeStaffAsync(Story.Company.Id, cancellationToken: Ct);
        var newCard = await platform.Staff.AddCardAsync(platform.Stripe, Story.Company.Id, "pm_card_mastercard", Ct);
        Assert.Equal(("staff-sam", true), (newCard.AddedBy, newCard.AddedByStaff));
        await staff.MakeDefaultAsync(Story.Company.Id, newCard.Id, Ct);

        // "Trigger a retry": charged to the new card, the invoice is paid.
        var outcome = await staff.RetryPaymentAsync(flagged.Id, newCard.Id, Ct);
        Assert.Equal(("succeeded", newCard.Id, true), (outcome.Retry.Outcome, outcome.Retry.PaymentMethodId, outcome.Retry.RequestedByStaff));
        Assert.Equal(("paid", false, amount), (outcome.Invoice.Status, outcome.Invoice.PastDue, outcome.Invoice.AmountPaid));

        var paid = await Story.Owner.Portal.Billing.InvoiceAsync(flagged.Id, Ct);
        Assert.Equal(("paid", false, 0L), (paid.Status, paid.PastDue, paid.AmountRemaining));
        Assert.DoesNotContain((await staff.AllInvoicesAsync(pastDue: true, cancellationToken: Ct)).Items, i => i.Id == flagged.Id);

        // "Payment retry succeeded" is notified, and the company is ready for the next cycle with its new card.
        foreach (var user in new[] { Story.Owner, Story.BillingMember })
        {
            Assert.Equal(Story.Company.Id, Assert.Single(await user.NotifiedAsync("payment-retry-succeeded")).AccountId);
        }

        Assert.True((await Story.Owner.Portal.Billing.ReadinessAsync(Story.Company.Id, Ct)).Ready);
    }
}
