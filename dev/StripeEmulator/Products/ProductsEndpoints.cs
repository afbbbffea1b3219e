using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Products;

/// <summary><c>/v1/products</c> and <c>/v1/prices</c> (including lookup keys and metered prices on a meter).</summary>
internal sealed class ProductsEndpoints(EmulatorState state, EventPublisher events) : IApiEndpoints
{
    public void Map(StripeRouter router)
    {
        router.Post("/v1/products", CreateProduct);
        router.Get("/v1/products/{id}", req => state.Products.Get(req.Route("id")));
        router.Post("/v1/products/{id}", UpdateProduct);
        router.Delete("/v1/products/{id}", DeleteProduct);
        router.Get("/v1/products", ListProducts);
        router.Post("/v1/prices", CreatePrice);
        router.Get("/v1/prices/{id}", req => state.Prices.Get(req.Route("id")));
        router.Post("/v1/prices/{id}", UpdatePrice);
        router.Get("/v1/prices", ListPrices);
    }

    private object CreateProduct(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("name", "id", "active", "description", "metadata", "unit_label", "tax_code", "type", "default_price_data");
        var id = p.String("id") ?? Ids.New("prod", 14);
        if (state.Products.TryGet(id, out _))
        {
            throw StripeApiException.Invalid($"Product already exists.", "id", "resource_already_exists");
        }
        var now = state.RealNow;
        var product = state.Products.Add(new Product
        {
            Id = id,
            Name = p.RequiredString("name"),
            Active = p.Bool("active") ?? true,
            Description = p.String("description"),
            Metadata = p.NewMap("metadata"),
            UnitLabel = p.String("unit_label"),
            Created = now,
            Updated = now,
        });
        events.Publish("product.created", product);
        return product;
    }

    private object UpdateProduct(ApiRequest req)
    {
        var product = state.Products.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("name", "active", "description", "metadata", "unit_label", "default_price");
        var before = events.Snapshot(product);
        product.Name = p.String("name") ?? product.Name;
        product.Active = p.Bool("active") ?? product.Active;
        if (p.Has("description"))
        {
            product.Description = p.String("description");
        }
        if (p.Has("unit_label"))
        {
            product.UnitLabel = p.String("unit_label");
        }
        if (p.String("default_price") is { } priceId)
        {
            product.DefaultPrice = state.Prices.GetParam(priceId, "default_price").Id;
        }
        p.ApplyMap("metadata", product.Metadata);
        product.Updated = state.RealNow;
        events.PublishChanges("product.updated", product, before);
        return product;
    }

    private object DeleteProduct(ApiRequest req)
    {
        var product = state.Products.Get(req.Route("id"));
        if (state.Prices.All.Any(price => price.Product == product.Id))
        {
            throw StripeApiException.InvalidState("This product cannot be deleted because it has one or more user-created prices.", "product_has_prices");
        }
        state.Products.Remove(product.Id);
        events.Publish("product.deleted", product);
        return new { id = product.Id, @object = "product", deleted = true };
    }

    private object ListProducts(ApiRequest req)
    {
        var p = req.Params;
        var active = p.Bool("active");
        var ids = p.StringList("ids");
        var rows = state.Products.All.Where(x => (active is null || x.Active == active) && (ids is null || ids.Contains(x.Id)));
        return Pagination.Page(rows, p, "/v1/products");
    }

    private object CreatePrice(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("currency", "product", "product_data", "unit_amount", "unit_amount_decimal", "recurring", "lookup_key",
            "transfer_lookup_key", "nickname", "metadata", "active", "billing_scheme", "tax_behavior");
        if (p.OneOf("billing_scheme", "per_unit", "tiered") == "tiered")
        {
            throw StripeApiException.Invalid("The emulator supports only billing_scheme=per_unit.", "billing_scheme");
        }
        var productId = p.String("product");
        if (productId is not null)
        {
            state.Products.GetParam(productId, "product");
        }
        else if (p.String("product_data[name]") is { } productName)
        {
            var now = state.RealNow;
            var product = state.Products.Add(new Product { Id = Ids.New("prod", 14), Name = productName, Created = now, Updated = now });
            events.Publish("product.created", product);
            productId = product.Id;
        }
        else
        {
            throw StripeApiException.RequiredParameter("product");
        }

        var amount = (p.Long("unit_amount"), p.Decimal("unit_amount_decimal")) switch
        {
            ({ } a, null) => a,
            (null, { } d) => d,
            (null, null) => throw StripeApiException.RequiredParameter("unit_amount"),
            _ => throw StripeApiException.Invalid("You may only specify one of these parameters: unit_amount, unit_amount_decimal.", "unit_amount"),
        };
        if (amount < 0)
        {
            throw StripeApiException.Invalid("Invalid unit_amount: must be greater than or equal to 0", "unit_amount");
        }

        Recurring? recurring = null;
        if (p.Object("recurring") is { } r)
        {
            var usageType = r.OneOf("usage_type", "licensed", "metered") ?? "licensed";
            var meterId = r.String("meter");
            if (usageType == "metered")
            {
                // Since 2025-03-31.basil a metered price must be backed by a billing meter.
                var meter = meterId is null
                    ? throw StripeApiException.Invalid("Metered prices must be attached to a meter (recurring[meter]).", "recurring[meter]")
                    : state.Meters.GetParam(meterId, "recurring[meter]");
                if (meter.Status != "active")
                {
                    throw StripeApiException.Invalid("An inactive meter cannot be attached to a price.", "recurring[meter]");
                }
            }
            recurring = new Recurring
            {
                Interval = r.OneOf("interval", "day", "week", "month", "year") ?? throw StripeApiException.RequiredParameter("recurring[interval]"),
                IntervalCount = r.Long("interval_count") ?? 1,
                UsageType = usageType,
                Meter = meterId,
            };
        }

        var lookupKey = p.String("lookup_key");
        ClaimLookupKey(lookupKey, p.Bool("transfer_lookup_key") == true);
        var price = state.Prices.Add(new Price
        {
            Id = Ids.New("price"),
            Currency = p.RequiredString("currency").ToLowerInvariant(),
            Product = productId,
            UnitAmountExact = amount,
            Recurring = recurring,
            LookupKey = lookupKey,
            Nickname = p.String("nickname"),
            Metadata = p.NewMap("metadata"),
            Active = p.Bool("active") ?? true,
            Created = state.RealNow,
        });
        events.Publish("price.created", price);
        return price;
    }

    private object UpdatePrice(ApiRequest req)
    {
        var price = state.Prices.Get(req.Route("id"));
        var p = req.Params;
        if (p.Has("unit_amount") || p.Has("unit_amount_decimal"))
        {
            // As on Stripe: amounts are immutable; create a new price (the control endpoint /_emulator/prices/{id}/change does that).
            throw StripeApiException.UnknownParameter(p.Has("unit_amount") ? "unit_amount" : "unit_amount_decimal");
        }
        p.Accept("active", "lookup_key", "transfer_lookup_key", "nickname", "metadata", "tax_behavior");
        var before = events.Snapshot(price);
        price.Active = p.Bool("active") ?? price.Active;
        if (p.Has("nickname"))
        {
            price.Nickname = p.String("nickname");
        }
        if (p.IsCleared("lookup_key"))
        {
            price.LookupKey = null;
        }
        else if (p.String("lookup_key") is { } lookupKey && lookupKey != price.LookupKey)
        {
            ClaimLookupKey(lookupKey, p.Bool("transfer_lookup_key") == true);
            price.LookupKey = lookupKey;
        }
        p.ApplyMap("metadata", price.Metadata);
        events.PublishChanges("price.updated", price, before);
        return price;
    }

    /// <summary>A lookup key names one price; <c>transfer_lookup_key=true</c> moves it from the price that holds it.</summary>
    public void ClaimLookupKey(string? lookupKey, bool transfer)
    {
        if (lookupKey is null || state.Prices.All.FirstOrDefault(x => x.LookupKey == lookupKey) is not { } holder)
        {
            return;
        }
        if (!transfer)
        {
            throw StripeApiException.Invalid(
                $"A price (`{holder.Id}`) already uses that lookup key. Use transfer_lookup_key=true to transfer it.",
                "lookup_key", "lookup_key_already_exists");
        }
        var before = events.Snapshot(holder);
        holder.LookupKey = null;
        events.PublishChanges("price.updated", holder, before);
    }

    private object ListPrices(ApiRequest req)
    {
        var p = req.Params;
        var active = p.Bool("active");
        var product = p.String("product");
        var currency = p.String("currency");
        var type = p.String("type");
        var lookupKeys = p.StringList("lookup_keys");
        if (lookupKeys is { Count: > 10 })
        {
            throw StripeApiException.Invalid("You can pass at most 10 lookup_keys.", "lookup_keys");
        }
        var meter = p.String("recurring[meter]");
        var rows = state.Prices.All.Where(x =>
            (active is null || x.Active == active) &&
            (product is null || x.Product == product) &&
            (currency is null || x.Currency == currency) &&
            (type is null || x.Type == type) &&
            (lookupKeys is null || (x.LookupKey is not null && lookupKeys.Contains(x.LookupKey))) &&
            (meter is null || x.Recurring?.Meter == meter));
        return Pagination.Page(rows, p, "/v1/prices");
    }
}
