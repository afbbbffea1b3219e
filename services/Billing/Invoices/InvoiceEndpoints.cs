using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Cic.Billing.BillingAccounts;
using Cic.Contracts;
using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.Invoices;

/// <summary>An invoice in a list. Amounts are integer minor units in <paramref name="Currency"/>, as Stripe reports them.</summary>
/// <param name="Status">Stripe's: <c>draft</c>, <c>open</c>, <c>paid</c>, <c>uncollectible</c> or <c>void</c>.</param>
/// <param name="PastDue">Open after a failed payment attempt or past its due date.</param>
/// <param name="AttemptCount">Stripe's count of payment attempts (the first, then its automatic retries).</param>
/// <param name="NextPaymentAttempt">When Stripe retries automatically next, if it will.</param>
/// <param name="LastPaymentError">Why the latest failed attempt failed (the decline code), e.g. <c>insufficient_funds</c>.</param>
public sealed record InvoiceSummary(
    string Id, string? Number, Guid AccountId, AccountKind AccountKind, string AccountName,
    [property: AllowedValues("draft", "open", "paid", "uncollectible", "void")] string Status, bool PastDue,
    string Currency, long Total, long AmountDue, long AmountPaid, long AmountRemaining,
    DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, DateTimeOffset CreatedAt, DateTimeOffset? DueDate,
    int AttemptCount, DateTimeOffset? NextPaymentAttempt, string? LastPaymentError, string? HostedInvoiceUrl);

/// <summary>One page of invoices, newest first, with the total so a portal can show page numbers.</summary>
public sealed record InvoicePage(IReadOnlyList<InvoiceSummary> Items, int Page, int PageSize, int Total);

/// <summary>An invoice with everything the portal shows on its page.</summary>
/// <param name="PrePaymentCreditNotesAmount">Credited in Stripe before payment, lowering what was owed.</param>
/// <param name="PostPaymentCreditNotesAmount">Refunded or credited in Stripe after payment.</param>
/// <param name="Retries">Payment retries triggered through the API, newest first.</param>
/// <param name="UsageByCompany">
/// The calls the platform pushed to Stripe for this account within the invoice's period, per company (an
/// organization's invoice covers its companies; a company's own invoice has one row): the platform's side of
/// a dispute about call counts.
/// </param>
public sealed record InvoiceDetail(
    string Id, string? Number, Guid AccountId, AccountKind AccountKind, string AccountName,
    [property: AllowedValues("draft", "open", "paid", "uncollectible", "void")] string Status, bool PastDue,
    string? BillingReason, string StripeCustomerId, string? SubscriptionId, string Currency,
    long Subtotal, long Total, long AmountDue, long AmountPaid, long AmountRemaining,
    long PrePaymentCreditNotesAmount, long PostPaymentCreditNotesAmount,
    DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, DateTimeOffset CreatedAt, DateTimeOffset? FinalizedAt, DateTimeOffset? PaidAt,
    DateTimeOffset? DueDate, int AttemptCount, DateTimeOffset? NextPaymentAttempt, string? LastPaymentError,
    string? HostedInvoiceUrl, string? InvoicePdf, DateTimeOffset SyncedAt,
    IReadOnlyList<InvoiceLineResponse> Lines, IReadOnlyList<PaymentRetryResponse> Retries, IReadOnlyList<CompanyUsage> UsageByCompany);

public sealed record InvoiceLineResponse(
    string Id, string? Description, long? Quantity, long Amount, string Currency, string? PriceId, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd);

/// <param name="PaymentMethodId">The card charged: the one asked for, else the account's default at the time.</param>
/// <param name="Outcome"><c>succeeded</c>, <c>failed</c>, or <c>pending</c> when Stripe's answer never arrived.</param>
/// <param name="FailureCode">Stripe's decline code (else error code), e.g. <c>insufficient_funds</c>.</param>
public sealed record PaymentRetryResponse(
    Guid Id, string? PaymentMethodId, string RequestedBy, bool RequestedByStaff, DateTimeOffset RequestedAt,
    [property: AllowedValues("pending", "succeeded", "failed")] string Outcome, string? FailureCode, string? FailureMessage, DateTimeOffset? CompletedAt);

public sealed record CompanyUsage(Guid CompanyId, string? CompanyName, long Calls);

/// <param name="PaymentMethodId">A card of the invoice's account to charge instead of its default (<c>pm_…</c>).</param>
public sealed record RetryPaymentRequest([property: StringLength(255)] string? PaymentMethodId);

/// <summary>What the retry did: a declined card is an ordinary answer (<c>failed</c>), not an error.</summary>
public sealed record RetryPaymentResponse(PaymentRetryResponse Retry, InvoiceDetail Invoice);

/// <param name="Status">Only invoices in this Stripe status.</param>
/// <param name="PastDue">Only past-due invoices (true) or only the others (false).</param>
public sealed record AccountInvoicesQuery(
    string? Status, bool? PastDue, [property: Range(1, 100_000)] int Page = 1, [property: Range(1, 100)] int PageSize = 25);

/// <param name="Status">Only invoices in this Stripe status.</param>
/// <param name="PastDue">Only past-due invoices (true) or only the others (false).</param>
/// <param name="AccountId">Only this billing account's invoices.</param>
public sealed record InvoicesQuery(
    string? Status, bool? PastDue, Guid? AccountId, [property: Range(1, 100_000)] int Page = 1, [property: Range(1, 100)] int PageSize = 25);

public static partial class InvoiceEndpoints
{
    private static readonly string[] Statuses = ["draft", "open", "paid", "uncollectible", "void"];

    /// <summary>Invoices are mirrored from Stripe through <see cref="InvoiceSync"/>, the one place their events are decided.</summary>
    public static IHostApplicationBuilder AddInvoices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<InvoiceSync>();
        builder.Services.AddScoped<PaymentRetries>();
        return builder;
    }

    public static IEndpointRouteBuilder MapInvoices(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/billing-accounts/{accountId:guid}/invoices").WithTags("Invoices").RequireBillingAccountAccess()
            .MapGet("/", ListForAccount)
            .WithName("ListAccountInvoices")
            .WithSummary("The account's invoices, newest first, with the past-due flag")
            .WithDescription("As Stripe last reported them (webhooks, retries and the periodic reconciliation). Past due = open after a failed payment attempt or past its due date. Drafts (not issued yet) are listed to staff only.");

        app.MapGroup("/me/invoices").WithTags("Invoices")
            .MapGet("/", ListMine)
            .WithName("ListMyInvoices")
            .WithSummary("The calling user's invoices across every billing account they may see, newest first, with the past-due flag")
            .WithDescription("The accounts of /me/accounts: the companies and organizations the user is a member of, and the companies of those organizations. Each row names its account. Drafts are not listed.");

        var invoices = app.MapGroup("/invoices").WithTags("Invoices");

        invoices.MapGet("/", ListAll)
            .RequireAuthorization(PortalAuthentication.StaffPolicy)
            .WithName("ListInvoices")
            .WithSummary("Every account's invoices, newest first (staff): the Invoices list where past-due ones are flagged")
            .WithDescription("Filter with pastDue=true to triage failing billing; each row names the company or organization it belongs to.")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        invoices.MapGet("/{invoiceId}", Get)
            .WithName("GetInvoice")
            .WithSummary("An invoice: lines, amounts, credit notes, payment attempts, retries and the usage behind it")
            .WithDescription("Stripe is the source of truth for amounts and payment status (refunds and credits made in Stripe show after the next sync); the platform for usage: usageByCompany is the platform's own ledger of calls pushed to Stripe for the period.");

        invoices.MapPost("/{invoiceId}/retry", Retry)
            .WithName("RetryInvoicePayment")
            .WithSummary("Try to charge an open invoice now, with its account's default card or the card given")
            .WithDescription("Owners and billing members of the account, or staff on the customer's behalf (recorded). A declined card is a 200 with outcome 'failed' and Stripe's decline code. Stripe's automatic retries keep running either way.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return app;
    }

    private static async Task<Results<Ok<InvoicePage>, ValidationProblem>> ListForAccount(
        RequestedBillingAccount requested, [AsParameters] AccountInvoicesQuery query, BillingDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var accountId = requested.Account.Id;
        if (InvalidStatus(query.Status) is { } problem)
        {
            return problem;
        }

        var rows = db.Invoices.Where(i => i.AccountId == accountId);
        if (!user.IsStaff())
        {
            rows = rows.Where(i => i.Status != "draft");
        }

        return TypedResults.Ok(await PageAsync(db, rows, query.Status, query.PastDue, query.Page, query.PageSize, time.GetUtcNow(), cancellationToken));
    }

    private static async Task<Results<Ok<InvoicePage>, ValidationProblem>> ListMine(
        [AsParameters] AccountInvoicesQuery query, BillingDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        if (InvalidStatus(query.Status) is { } problem)
        {
            return problem;
        }

        // The same accounts BillingAccess lets the user read.
        var userId = user.UserId();
        var memberships = db.Members.Where(m => m.IsMember && m.UserId == userId);
        var readable = memberships.Select(m => m.AccountId)
            .Concat(db.OrganizationCompanies
                .Where(o => o.IsMember && memberships.Any(m => m.AccountKind == AccountKind.Organization && m.AccountId == o.OrganizationId))
                .Select(o => o.CompanyId));
        var rows = db.Invoices.Where(i => i.Status != "draft" && i.AccountId != null && readable.Contains(i.AccountId.Value));
        return TypedResults.Ok(await PageAsync(db, rows, query.Status, query.PastDue, query.Page, query.PageSize, time.GetUtcNow(), cancellationToken));
    }

    private static async Task<Results<Ok<InvoicePage>, ValidationProblem>> ListAll(
        [AsParameters] InvoicesQuery query, BillingDb db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (InvalidStatus(query.Status) is { } problem)
        {
            return problem;
        }

        var rows = db.Invoices.Where(i => i.AccountId != null);
        if (query.AccountId is { } accountId)
        {
            rows = rows.Where(i => i.AccountId == accountId);
        }

        return TypedResults.Ok(await PageAsync(db, rows, query.Status, query.PastDue, query.Page, query.PageSize, time.GetUtcNow(), cancellationToken));
    }

    private static async Task<Results<Ok<InvoiceDetail>, NotFound>> Get(
        string invoiceId, BillingDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var (invoice, account, _) = await VisibleAsync(db, user, invoiceId, cancellationToken);
        return invoice is null || account is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(await DescribeAsync(db, invoice, account, time.GetUtcNow(), cancellationToken));
    }

    private static async Task<Results<Ok<RetryPaymentResponse>, NotFound, ValidationProblem, ProblemHttpResult>> Retry(
        string invoiceId, RetryPaymentRequest? request, BillingDb db, PaymentRetries retries, ClaimsPrincipal user, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var (invoice, account, right) = await VisibleAsync(db, user, invoiceId, cancellationToken);
        if (invoice is null || account is null)
        {
            return TypedResults.NotFound();
        }

        if (right != BillingRight.Manage)
        {
            return ApiProblems.Forbidden("Only the account's owners and billing members, or staff, retry payments.");
        }

        var paymentMethodId = request?.PaymentMethodId;
        switch (await retries.RetryAsync(account, invoiceId, paymentMethodId, user, cancellationToken))
        {
            case PaymentRetries.NotACardOfTheAccount:
                return ApiProblems.Field("paymentMethodId", $"'{paymentMethodId}' is not a card on file for {account.Name}.");
            case PaymentRetries.NotOpen notOpen:
                return ApiProblems.Conflict($"Only open invoices can be retried; invoice {notOpen.Invoice.Number ?? notOpen.Invoice.Id} is {notOpen.Invoice.Status}.");
            case PaymentRetries.Tried tried:
                return TypedResults.Ok(new RetryPaymentResponse(
                    Describe(tried.Retry), await DescribeAsync(db, tried.Invoice, account, time.GetUtcNow(), cancellationToken)));
            default:
                throw new InvalidOperationException("A payment retry ended in no known way.");
        }
    }

    /// <summary>The invoice and its account when the caller may see them: customers only their accounts' issued invoices.</summary>
    private static async Task<(Invoice? Invoice, BillingAccount? Account, BillingRight Right)> VisibleAsync(
        BillingDb db, ClaimsPrincipal user, string invoiceId, CancellationToken cancellationToken)
    {
        var invoice = await db.Invoices.AsNoTracking().Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == invoiceId, cancellationToken);
        if (invoice?.AccountId is not { } accountId || (invoice.Status == "draft" && !user.IsStaff()))
        {
            return (null, null, BillingRight.None);
        }

        var (account, right) = await db.FindAccountAsync(user, accountId, cancellationToken);
        return account is null ? (null, null, BillingRight.None) : (invoice, account, right);
    }

    private static ValidationProblem? InvalidStatus(string? status) =>
        status is null || Statuses.Contains(status)
            ? null
            : ApiProblems.Field("status", $"'{status}' is not an invoice status; use one of: {string.Join(", ", Statuses)}.");

    private static async Task<InvoicePage> PageAsync(
        BillingDb db, IQueryable<Invoice> rows, string? status, bool? pastDue, int page, int pageSize, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (status is not null)
        {
            rows = rows.Where(i => i.Status == status);
        }

        if (pastDue is { } wanted)
        {
            rows = rows.Where(wanted ? Invoice.PastDueAt(now) : Invoice.NotPastDueAt(now));
        }

        var withAccounts =
            from i in rows
            join a in db.BillingAccounts on i.AccountId equals (Guid?)a.Id
            select new { Invoice = i, a.Kind, a.Name };
        var total = await withAccounts.CountAsync(cancellationToken);
        var items = await withAccounts
            .OrderByDescending(x => x.Invoice.CreatedAt).ThenByDescending(x => x.Invoice.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        return new InvoicePage(
            items.Select(x => Summarize(x.Invoice, x.Kind, x.Name, now)).ToList(), page, pageSize, total);
    }

    private static InvoiceSummary Summarize(Invoice i, AccountKind kind, string name, DateTimeOffset now) => new(
        i.Id, i.Number, i.AccountId!.Value, kind, name, i.Status, i.IsPastDueAt(now),
        i.Currency, i.Total, i.AmountDue, i.AmountPaid, i.AmountRemaining,
        i.PeriodStart, i.PeriodEnd, i.CreatedAt, i.DueDate, i.AttemptCount, i.NextPaymentAttempt, i.LastPaymentError, i.HostedInvoiceUrl);

    private static async Task<InvoiceDetail> DescribeAsync(BillingDb db, Invoice i, BillingAccount account, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var retries = await db.PaymentRetries.AsNoTracking()
            .Where(r => r.InvoiceId == i.Id)
            .OrderByDescending(r => r.RequestedAt)
            .ToListAsync(cancellationToken);
        return new InvoiceDetail(
            i.Id, i.Number, account.Id, account.Kind, account.Name, i.Status, i.IsPastDueAt(now),
            i.BillingReason, i.StripeCustomerId, i.SubscriptionId, i.Currency,
            i.Subtotal, i.Total, i.AmountDue, i.AmountPaid, i.AmountRemaining,
            i.PrePaymentCreditNotesAmount, i.PostPaymentCreditNotesAmount,
            i.PeriodStart, i.PeriodEnd, i.CreatedAt, i.FinalizedAt, i.PaidAt,
            i.DueDate, i.AttemptCount, i.NextPaymentAttempt, i.LastPaymentError,
            i.HostedInvoiceUrl, i.InvoicePdf, i.SyncedAt,
            i.Lines.OrderBy(l => l.PeriodStart).ThenBy(l => l.Id)
                .Select(l => new InvoiceLineResponse(l.Id, l.Description, l.Quantity, l.Amount, l.Currency, l.PriceId, l.PeriodStart, l.PeriodEnd))
                .ToList(),
            retries.Select(Describe).ToList(),
            await UsageByCompanyAsync(db, account.Id, i.PeriodStart, i.PeriodEnd, cancellationToken));
    }

    /// <summary>
    /// The calls pushed to Stripe for the payer with meter timestamps in [start, end): what Stripe's meter
    /// summed for the invoice, per company, from the platform's own ledger.
    /// </summary>
    private static async Task<List<CompanyUsage>> UsageByCompanyAsync(BillingDb db, Guid payerId, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var calls = await db.MeterPushes
            .Where(p => p.SentAt != null && p.PayerId == payerId && p.MeterTimestamp >= start && p.MeterTimestamp < end)
            .GroupBy(p => p.CompanyId)
            .Select(g => new { CompanyId = g.Key, Calls = g.Sum(p => p.Calls) })
            .ToListAsync(cancellationToken);
        var ids = calls.Select(c => c.CompanyId).ToList();
        var names = await db.BillingAccounts.AsNoTracking().Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Name, cancellationToken);
        return calls
            .Select(c => new CompanyUsage(c.CompanyId, names.GetValueOrDefault(c.CompanyId), c.Calls))
            .OrderBy(c => c.CompanyName, StringComparer.Ordinal).ThenBy(c => c.CompanyId)
            .ToList();
    }

    private static PaymentRetryResponse Describe(PaymentRetry r) =>
        new(r.Id, r.PaymentMethodId, r.RequestedBy, r.RequestedByStaff, r.RequestedAt, r.Outcome, r.FailureCode, r.FailureMessage, r.CompletedAt);
}
