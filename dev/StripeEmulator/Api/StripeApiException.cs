using System.Text.Json.Nodes;

namespace Cic.StripeEmulator.Api;

/// <summary>
/// Every failure the emulator reports is one of these; <see cref="StripePipeline"/> turns it into Stripe's
/// <c>{"error":{…}}</c> envelope with the same status codes, types and codes that Stripe uses.
/// </summary>
internal sealed class StripeApiException : Exception
{
    private StripeApiException(int status, string type, string message, string? code, string? param)
        : base(message)
    {
        Status = status;
        Type = type;
        Code = code;
        Param = param;
    }

    public int Status { get; }

    public string Type { get; }

    public string? Code { get; }

    public string? Param { get; }

    public string? DeclineCode { get; private init; }

    /// <summary>Objects Stripe attaches to the error (<c>setup_intent</c>, <c>payment_intent</c>, <c>payment_method</c>, <c>charge</c>), already rendered.</summary>
    public Dictionary<string, JsonNode?> Attachments { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static StripeApiException Invalid(string message, string? param = null, string? code = null) =>
        new(400, "invalid_request_error", message, code ?? (param is null ? null : "parameter_invalid_empty_or_unknown"), param);

    public static StripeApiException Missing(string resource, string id, string param = "id") =>
        new(404, "invalid_request_error", $"No such {resource}: '{id}'", "resource_missing", param);

    /// <summary>Stripe answers 400 (not 404) when an id passed as a parameter does not exist.</summary>
    public static StripeApiException MissingParam(string resource, string id, string param) =>
        new(400, "invalid_request_error", $"No such {resource}: '{id}'", "resource_missing", param);

    public static StripeApiException UnknownParameter(string name) =>
        new(400, "invalid_request_error", $"Received unknown parameter: {name}", "parameter_unknown", name);

    public static StripeApiException RequiredParameter(string name) =>
        new(400, "invalid_request_error", $"Missing required param: {name}.", "parameter_missing", name);

    public static StripeApiException InvalidState(string message, string code = "invalid_state") =>
        new(400, "invalid_request_error", message, code, null);

    public static StripeApiException Unauthorized(string message) =>
        new(401, "invalid_request_error", message, null, null);

    public static StripeApiException NotFoundRoute(string method, string path) =>
        new(404, "invalid_request_error", $"Unrecognized request URL ({method}: {path}). The Stripe emulator does not implement this endpoint; see dev/StripeEmulator/README.md.", null, null);

    public static StripeApiException Card(string message, string code, string? declineCode, string? param = null) =>
        new(402, "card_error", message, code, param) { DeclineCode = declineCode };

    public static StripeApiException IdempotencyMismatch(string key) =>
        new(400, "idempotency_error",
            $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request.",
            null, null);

    public static StripeApiException IdempotencyInProgress() =>
        new(409, "idempotency_error",
            "There is currently another in-progress request using this Stripe-Idempotency-Key. Please try again later.",
            "idempotency_key_in_use", null);

    public static StripeApiException RateLimited(string message, string code, bool? shouldRetry)
    {
        var error = new StripeApiException(429, "invalid_request_error", message, code, null);
        if (shouldRetry is { } retry)
        {
            error.Headers["Stripe-Should-Retry"] = retry ? "true" : "false";
        }
        return error;
    }

    public static StripeApiException ApiError(int status, string message, bool? shouldRetry)
    {
        var error = new StripeApiException(status, "api_error", message, null, null);
        if (shouldRetry is { } retry)
        {
            error.Headers["Stripe-Should-Retry"] = retry ? "true" : "false";
        }
        return error;
    }

    public StripeApiException WithHeader(string name, string value)
    {
        Headers[name] = value;
        return this;
    }

    public StripeApiException Attach(string field, JsonNode? rendered)
    {
        Attachments[field] = rendered;
        return this;
    }

    public JsonObject ToEnvelope(string requestId)
    {
        var error = ToErrorObject();
        error["request_log_url"] = $"https://dashboard.stripe.com/test/logs/{requestId}";
        return new JsonObject { ["error"] = error };
    }

    /// <summary>The error object alone, as Stripe also stores it in <c>last_setup_error</c> / <c>last_payment_error</c>.</summary>
    public JsonObject ToErrorObject()
    {
        var error = new JsonObject
        {
            ["type"] = Type,
            ["message"] = Message,
        };
        if (Code is not null)
        {
            error["code"] = Code;
            error["doc_url"] = $"https://stripe.com/docs/error-codes/{Code.Replace('_', '-')}";
        }
        if (DeclineCode is not null)
        {
            error["decline_code"] = DeclineCode;
        }
        if (Param is not null)
        {
            error["param"] = Param;
        }
        foreach (var (field, node) in Attachments)
        {
            error[field] = node?.DeepClone();
        }
        return error;
    }
}
