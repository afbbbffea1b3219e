using System.Security.Claims;
using Cic.Billing.BillingAccounts;
using Cic.Billing.Customers;
using Cic.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using global::Stripe;

namespace Cic.Billing.PaymentMethods;

/// <summary>
/// The changes a payer, or staff on their behalf, makes to an account's cards. Each calls Stripe first, holding
/// the account's Stripe lock and no transaction, then records Stripe's answer and the action in a short transaction
/// under the account's row lock (<see cref="AccountLock"/>). A card sync waits for the Stripe lock, so it reads
/// Stripe after the change and never records an older default over it.
/// </summary>
public sealed class CardChanges(BillingDb db, NpgsqlDataSource dataSource, StripeClient stripe, StripeCustomers customers, TimeProvider time)
{
    /// <summary>A SetupIntent for Stripe's card form, creating the account's customer the first time; the card is learned when Stripe reports it.</summary>
    public async Task<(SetupIntent Intent, string CustomerId)> StartSetupAsync(Guid accountId, ClaimsPrincipal user, Guid? authorizationId, CancellationToken cancellationToken)
    {
        var account = await customers.EnsureCustomerAsync(accountId, cancellationToken);
        var actionId = Guid.NewGuid();
        var intent = await stripe.V1.SetupIntents.CreateAsync(
            new SetupIntentCreateOptions
            {
                Customer = account.StripeCustomerId,
                Usage = "off_session",
                AutomaticPaymentMethods = new SetupIntentAutomaticPaymentMethodsOptions { Enabled = true, AllowRedirects = "never" },
                Metadata = new Dictionary<string, string>
                {
                    [StripeCustomers.AccountIdKey] = accountId.ToString(),
                    ["cic_requested_by"] = user.UserId(),
                },
            },
            new RequestOptions { IdempotencyKey = $"cic-card-setup-{actionId:N}" },
            cancellationToken);

        var now = time.GetUtcNow();
        db.CardSetups.Add(new CardSetup
        {
            Id = intent.Id,
            AccountId = accountId,
            RequestedBy = user.UserId(),
            RequestedByStaff = user.IsStaff(),
            RequestedAt = now,
            Status = intent.Status,
        });
        db.RecordAction(accountId, "card_setup_started", intent.Id, user, now, actionId, authorizationId);
        await db.SaveChangesAsync(cancellationToken);
        return (intent, account.StripeCustomerId!);
    }

    /// <summary>Makes <paramref name="card"/> the one Stripe charges for new invoices.</summary>
    /// <returns>The account as recorded afterwards.</returns>
    public async Task<BillingAccount> MakeDefaultAsync(BillingAccount account, Card card, ClaimsPrincipal user, Guid? authorizationId, CancellationToken cancellationToken)
    {
        await using var held = await dataSource.HoldStripeCustomerAsync(account.Id, cancellationToken);
        var chosen = await SetDefaultAsync(account, card.Id, cancellationToken);
        var now = time.GetUtcNow();
        return await db.WithAccountLockAsync(account.Id, locked =>
        {
            locked.DefaultPaymentMethodId = chosen;
            db.RecordAction(account.Id, "default_card_set", card.Id, user, now, authorizationId: authorizationId);
            return Task.FromResult(locked);
        }, cancellationToken);
    }

    /// <summary>Detaches <paramref name="card"/> in Stripe, first making <paramref name="newDefault"/> the default when given.</summary>
    public async Task RemoveAsync(BillingAccount account, Card card, string? newDefault, ClaimsPrincipal user, Guid? authorizationId, CancellationToken cancellationToken)
    {
        await using var held = await dataSource.HoldStripeCustomerAsync(account.Id, cancellationToken);
        var chosen = newDefault is null ? null : await SetDefaultAsync(account, newDefault, cancellationToken);
        await stripe.V1.PaymentMethods.DetachAsync(card.Id, cancellationToken: cancellationToken);
        var now = time.GetUtcNow();
        await db.WithAccountLockAsync(account.Id, locked =>
        {
            if (newDefault is not null)
            {
                locked.DefaultPaymentMethodId = chosen;
                db.RecordAction(account.Id, "default_card_set", newDefault, user, now, authorizationId: authorizationId);
            }

            card.DetachedAt = now;
            if (locked.DefaultPaymentMethodId == card.Id)
            {
                locked.DefaultPaymentMethodId = null;
            }

            db.RecordAction(account.Id, "card_removed", card.Id, user, now, authorizationId: authorizationId);
            return Task.FromResult(locked);
        }, cancellationToken);
    }

    /// <returns>The default card Stripe now has.</returns>
    private async Task<string?> SetDefaultAsync(BillingAccount account, string paymentMethodId, CancellationToken cancellationToken)
    {
        var customer = await stripe.V1.Customers.UpdateAsync(
            account.StripeCustomerId,
            new CustomerUpdateOptions { InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = paymentMethodId } },
            cancellationToken: cancellationToken);
        return customer.InvoiceSettings?.DefaultPaymentMethodId;
    }
}
