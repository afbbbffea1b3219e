using Cic.ServiceDefaults;
using Cic.ServiceDefaults.Background;
using Cic.Billing.Stripe;
using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using global::Stripe;

namespace Cic.Billing.Webhooks;

public static class WebhookEndpoints
{
    public const string SignatureHeader = "Stripe-Signature";

    /// <summary>Webhooks are stored by the endpoint and processed in the background by <see cref="StripeEventProcessor"/>.</summary>
    public static IHostApplicationBuilder AddStripeWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSectionOptions<WebhookOptions>(WebhookOptions.Section);
        builder.Services.AddSingleton<StripeEventWakeup>();
        builder.Services.AddBackgroundWork<StripeEventProcessor>();
        return builder;
    }

    public static IEndpointRouteBuilder MapStripeWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapPost("/stripe/webhooks", Receive)
            .AllowAnonymous()
            .WithTags("Stripe")
            .WithName("ReceiveStripeWebhook")
            .WithSummary("Stripe's webhook endpoint")
            .WithDescription("Called by Stripe, not by the portal. Only correctly signed, recent events are accepted (Stripe-Signature); each is stored once by its id and processed in the background by re-reading the object it names from Stripe.")
            .Accepts<string>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    private static async Task<Results<Ok, ValidationProblem>> Receive(
        HttpRequest request, BillingDb db, IOptions<StripeOptions> options, StripeEventWakeup wakeup, TimeProvider time,
        ILogger<StripeEvent> log, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var payload = await reader.ReadToEndAsync(cancellationToken);
        var secret = options.Value.WebhookSecret;
        if (string.IsNullOrEmpty(secret))
        {
            WebhookLog.NoSecret(log);
            return ApiProblems.Field(SignatureHeader, "This endpoint has no signing secret configured, so no signature can be verified.");
        }

        try
        {
            EventUtility.ValidateSignature(
                payload, request.Headers[SignatureHeader].ToString(), secret, tolerance: (long)options.Value.WebhookTolerance.TotalSeconds);
        }
        catch (StripeException e)
        {
            WebhookLog.Refused(log, e.Message);
            return ApiProblems.Field(SignatureHeader, "The signature does not match the payload and the signing secret, or it is too old.");
        }

        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ParseEvent(payload, throwOnApiVersionMismatch: false);
        }
        catch (Exception e)
        {
            // Correctly signed, but not an event Stripe.net can read (not JSON, a field of the wrong type).
            WebhookLog.Refused(log, e.Message);
            return ApiProblems.Field("body", "The body is not a Stripe event: it is not JSON, or a field has the wrong type.");
        }

        if (MissingField(stripeEvent) is { } missing)
        {
            WebhookLog.Refused(log, $"the event lacks '{missing}'");
            return ApiProblems.Field(missing, $"A Stripe event must have '{missing}'.");
        }

        var now = time.GetUtcNow();
        var (objectId, customerId) = StripeEventSubject.Of(stripeEvent);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO stripe_events (id, type, object_id, customer_id, created_at, received_at, attempts, next_attempt_at)
            VALUES ({stripeEvent.Id}, {stripeEvent.Type}, {objectId}, {customerId}, {new DateTimeOffset(DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc))}, {now}, 0, {now})
            ON CONFLICT (id) DO NOTHING
            """, cancellationToken);
        wakeup.Notify();
        return TypedResults.Ok();
    }

    /// <summary>The fields every Stripe event has and processing needs.</summary>
    private static string? MissingField(Event stripeEvent) =>
        string.IsNullOrEmpty(stripeEvent.Id) ? "id"
        : string.IsNullOrEmpty(stripeEvent.Type) ? "type"
        : stripeEvent.Created == default ? "created"
        : stripeEvent.Data?.Object is null ? "data.object"
        : null;
}

/// <summary>Which object an event asks to re-read, and whose it is.</summary>
internal static class StripeEventSubject
{
    public static (string? ObjectId, string? CustomerId) Of(Event stripeEvent) => stripeEvent.Data.Object switch
    {
        global::Stripe.Invoice invoice => (invoice.Id, invoice.CustomerId),
        // A credit note (a refund or credit made in Stripe's dashboard) changes its invoice: re-read that.
        CreditNote note => (note.InvoiceId, note.CustomerId),
        SetupIntent intent => (intent.Id, intent.CustomerId),
        PaymentMethod method => (method.Id, method.CustomerId ?? PreviousCustomer(stripeEvent)),
        Customer customer => (customer.Id, customer.Id),
        IHasId other => (other.Id, null),
        _ => (null, null),
    };

    // A detached payment method no longer names its customer; the event's previous attributes do.
    private static string? PreviousCustomer(Event stripeEvent) =>
        stripeEvent.Data.PreviousAttributes is Newtonsoft.Json.Linq.JObject previous && previous["customer"]?.Type == Newtonsoft.Json.Linq.JTokenType.String
            ? (string?)previous["customer"]
            : null;
}

internal static partial class WebhookLog
{
    [LoggerMessage(LogLevel.Error, "A Stripe webhook arrived but Stripe:WebhookSecret is not configured; it was refused")]
    public static partial void NoSecret(ILogger log);

    [LoggerMessage(LogLevel.Warning, "Refused a Stripe webhook: {Reason}")]
    public static partial void Refused(ILogger log, string reason);
}
