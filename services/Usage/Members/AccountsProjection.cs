using Cic.Usage.Companies;
using MassTransit;

namespace Cic.Usage.Members;

/// <summary>
/// Usage's own copy of what it needs from Accounts: known companies, members, and which companies
/// belong to which organization. Each consumer runs in the inbox, so a redelivery changes nothing.
/// </summary>
public static class AccountsProjection
{
    public static IBusRegistrationConfigurator AddAccountsProjection(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<CompanyRegisteredConsumer>();
        bus.AddConsumer<MemberAddedConsumer>();
        bus.AddConsumer<MemberRemovedConsumer>();
        bus.AddConsumer<CompanyJoinedOrganizationConsumer>();
        bus.AddConsumer<CompanyLeftOrganizationConsumer>();
        return bus;
    }
}
