using Cic.Billing.Invoices;
using CsCheck;

namespace Cic.Rules.Tests;

/// <summary>Past due: an open invoice after a failed payment attempt, or after its due date.</summary>
public sealed class PastDueTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("open", 1, null, true)]       // charged automatically, the attempt failed
    [InlineData("open", 0, null, false)]      // not tried yet
    [InlineData("open", 0, -1, true)]         // sent for payment, due yesterday
    [InlineData("open", 0, 0, false)]         // due right now: not yet past
    [InlineData("open", 0, 1, false)]
    [InlineData("paid", 3, -10, false)]       // paid after failures
    [InlineData("draft", 0, -10, false)]
    [InlineData("void", 1, -10, false)]
    [InlineData("uncollectible", 1, -10, false)]
    public void An_invoice_is_past_due_only_while_open_after_a_failed_attempt_or_its_due_date(string status, int attempts, int? dueInDays, bool pastDue) =>
        Assert.Equal(pastDue, Invoice(status, attempts, dueInDays is { } days ? Now.AddDays(days) : null).IsPastDueAt(Now));

    [Fact]
    public void The_database_queries_say_the_same_as_the_rule() =>
        Gen.Select(Gen.OneOf("draft", "open", "paid", "void", "uncollectible"), Gen.Int[0, 3], Gen.Int[-3, 3].Select(d => d == 3 ? (int?)null : d))
            .Sample(sample =>
            {
                var (status, attempts, dueInDays) = sample;
                var invoice = Invoice(status, attempts, dueInDays is { } days ? Now.AddDays(days) : null);
                Assert.Equal(invoice.IsPastDueAt(Now), Cic.Billing.Invoices.Invoice.PastDueAt(Now).Compile()(invoice));
                Assert.Equal(!invoice.IsPastDueAt(Now), Cic.Billing.Invoices.Invoice.NotPastDueAt(Now).Compile()(invoice));
            });

    [Theory]
    [InlineData(null, false)]
    [InlineData(-1, true)]
    [InlineData(0, false)]
    [InlineData(1, false)]
    public void The_queries_judge_an_open_untried_invoice_by_its_due_date_alone(int? dueInDays, bool pastDue)
    {
        var invoice = Invoice("open", 0, dueInDays is { } days ? Now.AddDays(days) : null);
        Assert.Equal(pastDue, Cic.Billing.Invoices.Invoice.PastDueAt(Now).Compile()(invoice));
        Assert.Equal(!pastDue, Cic.Billing.Invoices.Invoice.NotPastDueAt(Now).Compile()(invoice));
    }

    [Fact]
    public void Only_a_finalized_invoice_that_was_not_voided_is_issued()
    {
        Assert.True(new Invoice { Id = "in_1", StripeCustomerId = "cus_1", Currency = "usd", Status = "open", Number = "A-1" }.IsIssued);
        Assert.True(new Invoice { Id = "in_1", StripeCustomerId = "cus_1", Currency = "usd", Status = "paid", Number = "A-1" }.IsIssued);
        Assert.True(new Invoice { Id = "in_1", StripeCustomerId = "cus_1", Currency = "usd", Status = "uncollectible", Number = "A-1" }.IsIssued);
        Assert.False(new Invoice { Id = "in_1", StripeCustomerId = "cus_1", Currency = "usd", Status = "void", Number = "A-1" }.IsIssued);
        Assert.False(new Invoice { Id = "in_1", StripeCustomerId = "cus_1", Currency = "usd", Status = "draft" }.IsIssued);
        Assert.False(new Invoice { Id = "in_1", StripeCustomerId = "cus_1", Currency = "usd", Status = "open" }.IsIssued);
    }

    private static Invoice Invoice(string status, int attempts, DateTimeOffset? due) =>
        new() { Id = "in_test", StripeCustomerId = "cus_test", Currency = "usd", Status = status, AttemptCount = attempts, DueDate = due, Number = "CIC-0001" };
}
