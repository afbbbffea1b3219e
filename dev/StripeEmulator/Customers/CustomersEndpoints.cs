using System.Text.RegularExpressions;
using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.PaymentMethods;
using Cic.StripeEmulator.State;
using Cic.StripeEmulator.Subscriptions;

namespace Cic.StripeEmulator.Customers;

/// <summary><c>/v1/customers</c>.</summary>
internal sealed partial class CustomersEndpoints(
    EmulatorState state,
    EventPublisher events,
    PaymentMethodService paymentMethods,
    SubscriptionService subscriptions) : IApiEndpoints
{
    public void Map(StripeRouter router)
    {
        router.Post("/v1/customers", Create);
        router.Get("/v1/customers/search", Search);
        router.Get("/v1/customers/{id}", Retrieve);
        router.Post("/v1/customers/{id}", Update);
        router.Delete("/v1/customers/{id}", Delete);
        router.Get("/v1/customers", List);
    }

    /// <summary>A customer that exists and is not deleted, or the error Stripe gives for the named parameter.</summary>
    public static Customer Live(EmulatorState state, string id, string param)
    {
        var customer = state.Customers.Find(id);
        if (customer is null || customer.Deleted)
        {
            throw param == "id" ? StripeApiException.Missing("customer", id) : StripeApiException.MissingParam("customer", id, param);
        }
        return customer;
    }

    private object Create(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("email", "name", "description", "phone", "metadata", "invoice_settings", "payment_method", "test_clock", "address", "preferred_locales", "tax_exempt");
        var clock = p.String("test_clock");
        if (clock is not null)
        {
            state.TestClocks.GetParam(clock, "test_clock");
        }
        var customer = state.Customers.Add(new Customer
        {
            Id = Ids.New("cus", 14),
            Created = state.NowFor(clock),
            Email = p.String("email"),
            Name = p.String("name"),
            Description = p.String("description"),
            Phone = p.String("phone"),
            Metadata = p.NewMap("metadata"),
            InvoicePrefix = Ids.Upper(8),
            TestClock = clock,
        });
        ApplyAddress(p, customer);
        events.Publish("customer.created", customer);

        if (p.String("payment_method") is { } pmId)
        {
            paymentMethods.Attach(paymentMethods.Resolve(pmId, "payment_method", customer.Id), customer);
        }
        if (p.String("invoice_settings[default_payment_method]") is { } defaultPm)
        {
            customer.InvoiceSettings.DefaultPaymentMethod = paymentMethods.RequireAttached(defaultPm, customer, "invoice_settings[default_payment_method]").Id;
        }
        return customer;
    }

    private object Retrieve(ApiRequest req)
    {
        var customer = state.Customers.Get(req.Route("id"));
        // Stripe keeps answering for a deleted customer, with a stub.
        return customer.Deleted ? new { id = customer.Id, @object = "customer", deleted = true } : customer;
    }

    private object Update(ApiRequest req)
    {
        var customer = Live(state, req.Route("id"), "id");
        var p = req.Params;
        p.Accept("email", "name", "description", "phone", "metadata", "invoice_settings", "address", "preferred_locales", "tax_exempt", "balance");
        var before = events.Snapshot(customer);
        if (p.Has("email"))
        {
            customer.Email = p.String("email");
        }
        if (p.Has("name"))
        {
            customer.Name = p.String("name");
        }
        if (p.Has("description"))
        {
            customer.Description = p.String("description");
        }
        if (p.Has("phone"))
        {
            customer.Phone = p.String("phone");
        }
        if (p.Long("balance") is { } balance)
        {
            customer.Balance = balance;
        }
        ApplyAddress(p, customer);
        p.ApplyMap("metadata", customer.Metadata);
        if (p.IsCleared("invoice_settings[default_payment_method]"))
        {
            customer.InvoiceSettings.DefaultPaymentMethod = null;
        }
        else if (p.String("invoice_settings[default_payment_method]") is { } defaultPm)
        {
            customer.InvoiceSettings.DefaultPaymentMethod = paymentMethods.RequireAttached(defaultPm, customer, "invoice_settings[default_payment_method]").Id;
        }
        events.PublishChanges("customer.updated", customer, before);
        return customer;
    }

    private object Delete(ApiRequest req)
    {
        var customer = Live(state, req.Route("id"), "id");
        // Deleting a customer cancels its subscriptions at once, as on Stripe.
        foreach (var subscription in state.Subscriptions.All.Where(s => s.Customer == customer.Id && s.Status != "canceled").ToList())
        {
            subscriptions.Cancel(subscription, "cancellation_requested");
        }
        customer.Deleted = true;
        events.Publish("customer.deleted", customer);
        return new { id = customer.Id, @object = "customer", deleted = true };
    }

    private object List(ApiRequest req)
    {
        var p = req.Params;
        var email = p.String("email");
        var clock = p.String("test_clock");
        var created = p.Range("created");
        var rows = state.Customers.All.Where(c =>
            !c.Deleted && (email is null || c.Email == email) && (clock is null || c.TestClock == clock) && created(c.Created));
        return Pagination.Page(rows, p, "/v1/customers");
    }

    /// <summary>
    /// Stripe's search query language, for the clauses an integration uses to find its own customers:
    /// <c>email:'a@b.c'</c>, <c>name:'x'</c>, <c>metadata['key']:'value'</c>, joined with <c>AND</c>.
    /// Unlike Stripe, results are immediate (Stripe's index lags by up to a minute).
    /// </summary>
    private object Search(ApiRequest req)
    {
        var p = req.Params;
        var query = p.RequiredString("query");
        var clauses = query.Split(" AND ", StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(ParseClause)
            .ToList();
        var limit = (int)(p.Long("limit") ?? 10);
        var matches = state.Customers.All.Where(c => !c.Deleted && clauses.All(clause => clause(c))).ToList();
        return new
        {
            @object = "search_result",
            data = matches.Take(limit).ToList(),
            has_more = matches.Count > limit,
            next_page = (string?)null,
            total_count = matches.Count,
            url = "/v1/customers/search",
        };
    }

    private static Func<Customer, bool> ParseClause(string clause)
    {
        var metadata = MetadataClause().Match(clause);
        if (metadata.Success)
        {
            var key = metadata.Groups["key"].Value;
            var value = metadata.Groups["value"].Value;
            return c => c.Metadata.TryGetValue(key, out var v) && v == value;
        }
        var field = FieldClause().Match(clause);
        if (field.Success)
        {
            var value = field.Groups["value"].Value;
            return field.Groups["field"].Value switch
            {
                "email" => c => string.Equals(c.Email, value, StringComparison.OrdinalIgnoreCase),
                "name" => c => string.Equals(c.Name, value, StringComparison.OrdinalIgnoreCase),
                "phone" => c => c.Phone == value,
                _ => throw StripeApiException.Invalid($"The emulator cannot search customers by '{field.Groups["field"].Value}'.", "query"),
            };
        }
        throw StripeApiException.Invalid($"Unsupported search query clause: {clause}", "query");
    }

    private static void ApplyAddress(ApiParams p, Customer customer)
    {
        if (p.IsCleared("address"))
        {
            customer.Address = null;
            return;
        }
        if (p.Object("address") is not { } a)
        {
            return;
        }
        customer.Address = new Address
        {
            City = a.String("city"),
            Country = a.String("country"),
            Line1 = a.String("line1"),
            Line2 = a.String("line2"),
            PostalCode = a.String("postal_code"),
            State = a.String("state"),
        };
    }

    [GeneratedRegex(@"^metadata\[['""](?<key>[^'""]+)['""]\]:['""](?<value>[^'""]*)['""]$")]
    private static partial Regex MetadataClause();

    [GeneratedRegex(@"^(?<field>[a-z_]+):['""](?<value>[^'""]*)['""]$")]
    private static partial Regex FieldClause();
}
