using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Cic.Usage.Companies;

/// <summary>Accounts registered a company: its calls are no longer listed as of an unknown company.</summary>
public sealed class CompanyRegisteredConsumer(UsageDb db) : IConsumer<CompanyRegistered>
{
    public async Task Consume(ConsumeContext<CompanyRegistered> context)
    {
        var m = context.Message;
        if (m.CompanyId == Guid.Empty || string.IsNullOrWhiteSpace(m.Name))
        {
            throw new InvalidMessageException("CompanyId and Name are required");
        }

        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO companies (company_id, name, registered_at)
            VALUES ({m.CompanyId}, {m.Name}, {m.OccurredAt.ToUniversalTime()})
            ON CONFLICT (company_id) DO NOTHING
            """, context.CancellationToken);
    }
}

/// <summary>Registers the consumer that keeps the companies Accounts has registered.</summary>
public static class KnownCompanies
{
    public static IBusRegistrationConfigurator AddKnownCompanies(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<CompanyRegisteredConsumer>();
        return bus;
    }
}
