using System.Diagnostics;
using System.Globalization;
using Cic.EndToEnd.Tests.Actors;
using Cic.Testing;
using MimeKit;

namespace Cic.EndToEnd.Demo;

/// <summary>The demo could not go on: something did not answer or did not happen in time.</summary>
public sealed class DemoStoppedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One demo run against <c>./cic up</c>: its accounts and users are new (named after the run), its calls
/// are handled in the past hour, and it runs the platform's Stripe test clock one month forward.
/// </summary>
public sealed class DemoRun : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private readonly string _root = RepositoryRoot.Find();
    private readonly string _run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
    private readonly Narrator _say = new();
    private readonly ServiceAddresses _at = ServiceAddresses.Local;
    private readonly Uri _broker;
    private readonly string _management;
    private readonly StripeSide _stripe;
    private readonly string _clockId;
    private readonly string _mailFolder;
    private readonly List<Portal> _portals = [];
    private Portal _staff = null!;

    private DemoRun(Uri broker, string management, StripeSide stripe, string clockId, string mailFolder)
    {
        _broker = broker;
        _management = management;
        _stripe = stripe;
        _clockId = clockId;
        _mailFolder = mailFolder;
    }

    public static async Task<DemoRun> ConnectAsync()
    {
        var broker = Setting("CIC_RABBITMQ", "the local RabbitMQ (./cic demo sets it)");
        var management = new Uri(Setting("CIC_RABBITMQ_MANAGEMENT", "the RabbitMQ management address (./cic demo sets it)"));
        var stripeBase = Setting("CIC_STRIPE_API_BASE", "the Stripe emulator's address (./cic demo sets it)");
        var stripeKey = Setting("CIC_STRIPE_SECRET_KEY", "the Stripe emulator's key (./cic demo sets it)");
        var clock = Setting("CIC_STRIPE_TEST_CLOCK", "the test clock of the emulator ./cic up runs (./cic demo sets it)");
        var mail = Setting("CIC_MAIL_DIR", "the local mail folder (./cic demo sets it)");
        var run = new DemoRun(new Uri(broker), $"{management.Scheme}://{management.Host}:{management.Port}", new StripeSide(new Uri(stripeBase), stripeKey), clock, mail);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var (name, address) in new[] { ("Accounts", run._at.Accounts), ("Usage", run._at.Usage), ("Billing", run._at.Billing), ("Notifications", run._at.Notifications), ("the Stripe emulator", new Uri(stripeBase)) })
        {
            try
            {
                (await http.GetAsync(new Uri(address, "/health"))).EnsureSuccessStatusCode();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                run.Dispose();
                throw new DemoStoppedException($"{name} does not answer at {address}: start the platform first with ./cic up (in another terminal).", e);
            }
        }

        return run;
    }

    public async Task RunAsync()
    {
        Narrator.Title($"CIC billing platform — a guided run (demo {_run})");
        Console.WriteLine("""
            Four services, each its own process with its own PostgreSQL database, talking through RabbitMQ:
              Accounts (5101) companies, organizations, members · Usage (5102) calls handled, tallies, call history
              Billing (5103) Stripe customers, cards, invoices  · Notifications (5104) the portal's feed and emails
            Stripe is the project's emulator (12111). Every step below is a real call to a public API, as the
            portal, another CIC system or Stripe would make it. Each service's API reference: http://127.0.0.1:510x/scalar
            """);
        _staff = new Portal(_at, await TokenAsync("staff", "demo-staff"), "demo-staff");
        _portals.Add(_staff);

        await CatchTheClockUpAsync();
        var ada = await CompanySetupAsync();
        var organization = await OrganizationBeforeMonthEndAsync();
        var failing = await FailingBeforeMonthEndAsync();
        await RunOutTheMonthAsync(organization, failing);
        await OrganizationInvoiceAsync(organization);
        await FailingInvoiceAsync(failing);

        Narrator.Title("Done");
        Console.WriteLine($"""
            You saw: a company made ready to be billed ({ada}), an organization billed once for all its companies'
            calls, and a declined invoice flagged, notified, and paid after staff added a card and retried.
            To look around: the API references at http://127.0.0.1:5101/scalar … 5104/scalar (authorize with a token from
            ./cic token staff), RabbitMQ's queues at {_management} (user cic, password cic-local), the emails in
            {Path.GetRelativePath(_root, _mailFolder)}/, and the logs in the Aspire dashboard. The same stories, and more, run as tests:
            tests/EndToEnd.Tests (docs/end-to-end.md).
            """);
    }

    /// <summary>
    /// The test clock stands where <c>./cic up</c> froze it (or where the last demo left it). Calls are handled at
    /// real time, so a clock left behind real time is first brought up to now: Stripe refuses usage dated after the
    /// customer's clock.
    /// </summary>
    private async Task CatchTheClockUpAsync()
    {
        var clock = await _stripe.TestClockAsync(_clockId);
        var frozen = new DateTimeOffset(DateTime.SpecifyKind(clock.FrozenTime, DateTimeKind.Utc));
        var now = DateTimeOffset.UtcNow;
        if (frozen < now.AddMinutes(-1))
        {
            await Waiting(() => _stripe.AdvanceTestClockAsync(_clockId, now, Patience), "the test clock to catch up with real time");
            Console.WriteLine($"(Stripe's test clock {_clockId} stood at {frozen:HH:mm} UTC, when ./cic up started; moved up to now, {now:HH:mm}.)");
        }
    }

    // Story 1: "Setting up Stripe billing for a new company".
    private async Task<string> CompanySetupAsync()
    {
        _say.Chapter("A new company is set up to be billed automatically");
        var company = await _staff.Accounts.RegisterCompanyAsync($"Acme Plumbing {_run}");
        _say.Does("Staff", $"register the company \"{company.Name}\" in Accounts (POST /companies).");
        var ada = await MemberAsync("companies", company.Id, "Ada", "Owner");
        _say.Does("Staff", $"add Ada as its owner (user {ada.Who}).");
        Narrator.Look("the company", $"{_at.Accounts}companies/{company.Id}");

        var before = await Waiting(() => ada.WhenBillingKnowsAsync(company.Id), "Billing to learn of the company and of Ada from Accounts' events");
        _say.Sees($"Billing heard of both through RabbitMQ. Readiness: {(before.Ready ? "ready" : "NOT ready")} — {string.Join(" ", before.Problems.Select(p => p.Message))}");
        Narrator.Look("readiness (with Ada's token)", $"{_at.Billing}billing-accounts/{company.Id}/readiness");
        Narrator.Note($"Ada's token: TOKEN=$(./cic token customer '{ada.Who}'); curl -H \"Authorization: Bearer $TOKEN\" <url>");

        var setup = await ada.Billing.StartAddingCardAsync(company.Id);
        _say.Does("Ada", "clicks \"Add payment method\" (POST …/payment-methods/setup).");
        _say.Sees($"Billing created the company's Stripe customer {setup.StripeCustomerId} (created once, the first time it is needed) and a SetupIntent for Stripe's card form.");
        var paymentMethodId = await _stripe.CompleteCardFormAsync(setup, "pm_card_visa");
        _say.Does("Ada", "fills in Stripe's card form with a Visa test card; the card number goes to Stripe, never to the platform.");
        var card = await Waiting(
            async () => (await Eventually.Returns(async () => (await ada.Billing.CardsAsync(company.Id)).FirstOrDefault(c => c.Id == paymentMethodId), c => c is not null, "the card", Patience))!,
            "Stripe's webhook to tell Billing about the card");
        _say.Sees($"Stripe told Billing by a signed webhook: {card.Brand} …{card.Last4}, expires {card.ExpMonth:00}/{card.ExpYear}.");
        await ada.Billing.MakeDefaultAsync(company.Id, card.Id);
        _say.Does("Ada", "marks it as the default payment method.");
        var after = await ada.Billing.ReadinessAsync(company.Id);
        _say.Sees(after.Ready
            ? $"The company is ready to be billed on the next cycle ({after.NextCycleStart:d MMMM yyyy})."
            : $"Not ready?! {string.Join(" ", after.Problems.Select(p => p.Message))}");
        Narrator.Look("its cards", $"{_at.Billing}billing-accounts/{company.Id}/payment-methods");
        Narrator.Look("the customer at Stripe", $"curl -u {_stripe.Client.ApiKey}: {_stripe.ApiBase}v1/customers/{setup.StripeCustomerId}");
        return company.Name;
    }

    // Story 2 until the month ends: "Setting up Stripe billing at the organization level", then calls.
    private async Task<OrganizationDemo> OrganizationBeforeMonthEndAsync()
    {
        _say.Chapter("An organization of three companies, with the card on the organization only");
        var organization = await _staff.Accounts.CreateOrganizationAsync($"Holding Group {_run}");
        _say.Does("Staff", $"create the organization \"{organization.Name}\".");
        var companies = new List<Company>();
        foreach (var name in new[] { "Holding Alpha", "Holding Beta", "Holding Gamma" })
        {
            companies.Add(await _staff.Accounts.RegisterCompanyAsync($"{name} {_run}", organization.Id));
        }

        _say.Does("Staff", $"register {string.Join(", ", companies.Select(c => c.Name))} in it: they are billed through it.");
        var grace = await MemberAsync("organizations", organization.Id, "Grace", "Owner");
        _say.Does("Staff", $"add Grace as the organization's owner (user {grace.Who}).");
        await Waiting(() => grace.WhenBillingKnowsAsync(organization.Id), "Billing to learn of the organization");
        var card = await grace.AddDefaultCardAsync(_stripe, organization.Id);
        _say.Does("Grace", $"adds a card on the organization and makes it the default ({card.Brand} …{card.Last4}).");
        var readiness = await grace.Billing.ReadinessAsync(companies[0].Id);
        _say.Sees($"{companies[0].Name} has no card of its own and is {(readiness.Ready ? "ready" : "NOT ready")}: it is paid for by {readiness.PayerName}.");

        var hour = CallTimes.PreviousHour();
        var counts = new[] { 120, 80, 50 };
        await using var ivr = new CallHandlingSystem(_broker, $"demo-ivr-{_run}");
        var calls = companies.Zip(counts).SelectMany((x, i) => ivr.Calls(x.First.Id, hour, x.Second, $"company{i + 1}")).ToList();
        await ivr.PublishAsync(calls);
        _say.Does("A call-handling system", $"reports {calls.Count} calls handled between {hour:HH:mm} and {hour.AddHours(1):HH:mm} UTC ({string.Join(", ", counts)} for the three companies): one plain-JSON CallHandled each, to RabbitMQ's exchange cic.calls.");
        Narrator.Look("the queue usage-call-handled", $"{_management}/#/queues");

        var settleAt = hour.AddHours(1).AddMinutes(2);
        _say.Waits(DateTimeOffset.UtcNow < settleAt
            ? $"Usage tallies each company's calls per hour and publishes an hour's tally 2 minutes after it ends (at {settleAt:HH:mm} UTC)…"
            : "Usage tallies each company's calls per hour and publishes the (already ended) hour's tally within seconds…");
        foreach (var (company, count) in companies.Zip(counts))
        {
            await Waiting(
                () => Eventually.Returns(() => _staff.Usage.UsageAsync(company.Id, hour, hour.AddHours(1), "hour"), u => u.TotalCalls == count, "usage", Patience),
                $"Usage to count {company.Name}'s calls");
        }

        _say.Sees($"Usage stored every call once and counts {string.Join(", ", counts)}.");
        Narrator.Look("a company's usage", $"{_at.Usage}companies/{companies[0].Id}/usage?granularity=hour&from={hour:yyyy-MM-ddTHH}:00:00Z&to={hour.AddHours(1):yyyy-MM-ddTHH}:00:00Z");
        Narrator.Look("its call history", $"{_at.Usage}companies/{companies[0].Id}/calls");
        return new OrganizationDemo(organization, companies, grace, calls.Count, counts);
    }

    // Story 4 until the month ends: a company whose card will be declined.
    private async Task<FailingDemo> FailingBeforeMonthEndAsync()
    {
        _say.Chapter("A company whose card will be declined");
        var company = await _staff.Accounts.RegisterCompanyAsync($"Failing Florists {_run}");
        var fiona = await MemberAsync("companies", company.Id, "Fiona", "Owner");
        _say.Does("Staff", $"register \"{company.Name}\" with Fiona as its owner (user {fiona.Who}).");
        await Waiting(() => fiona.WhenBillingKnowsAsync(company.Id), "Billing to learn of the company");
        var card = await fiona.AddDefaultCardAsync(_stripe, company.Id);
        _say.Does("Fiona", $"adds a card and makes it the default ({card.Brand} …{card.Last4}).");
        await using var ivr = new CallHandlingSystem(_broker, $"demo-florist-ivr-{_run}");
        var hour = CallTimes.PreviousHour();
        await ivr.PublishAsync(ivr.Calls(company.Id, hour, 30, "fl"));
        _say.Does("A call-handling system", "reports 30 calls for the florists.");
        await _stripe.MakeCardDeclineAsync(card.Id, "insufficient_funds");
        _say.Does("Fiona's bank", "starts declining the card (insufficient funds) — nobody at CIC knows yet.");
        return new FailingDemo(company, fiona, 30);
    }

    private async Task RunOutTheMonthAsync(OrganizationDemo organization, FailingDemo failing)
    {
        _say.Chapter("The month ends");
        var clock = await _stripe.TestClockAsync(_clockId);
        var now = new DateTimeOffset(DateTime.SpecifyKind(clock.FrozenTime, DateTimeKind.Utc));
        var cycleStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var cycle = cycleStart.ToString("yyyy-MM", CultureInfo.InvariantCulture);

        _say.Waits("Billing pushes each company's tallied calls to Stripe's meter, for whoever pays for the company…");
        foreach (var (account, calls) in new[] { (organization.Org.Id, (long)organization.Calls), (failing.Company.Id, (long)failing.Calls) })
        {
            await Waiting(
                () => Eventually.Returns(() => _staff.Billing.UsageReconciliationAsync(account, cycle), v => v.CallsPushed == calls && v.CallsInStripe == calls, "pushed", Patience),
                $"all {calls} calls of account {account} to be in Stripe");
        }

        var view = await _staff.Billing.UsageReconciliationAsync(organization.Org.Id, cycle);
        _say.Sees($"Stripe's meter holds {view.CallsInStripe} calls for {view.Name}: {string.Join(", ", view.Companies.Select(c => $"{c.Name} {c.CallsPushed}"))}.");
        Narrator.Look("staff's usage reconciliation", $"{_at.Billing}billing-accounts/{organization.Org.Id}/usage-reconciliation?cycle={cycle}");

        var to = cycleStart.AddMonths(1).AddHours(2);
        _say.Does("The demo", $"moves Stripe's test clock {_clockId} from {now:d MMM HH:mm} to {to:d MMM HH:mm} UTC: every customer's billing period ends, Stripe drafts the invoices, finalizes them an hour later and charges the default cards.");
        await Waiting(() => _stripe.AdvanceTestClockAsync(_clockId, to, Patience), "Stripe to run the month out");
        _say.Sees("Stripe is done; its webhooks are telling Billing about the invoices.");
    }

    private async Task OrganizationInvoiceAsync(OrganizationDemo story)
    {
        _say.Chapter("The organization's invoice");
        var grace = story.Owner;
        var summary = await Waiting(
            async () => (await Eventually.Returns(async () => (await grace.Billing.InvoicesAsync(story.Org.Id)).Items.FirstOrDefault(i => i.Status == "paid" && i.Total > 0), i => i is not null, "invoice", Patience))!,
            "the organization's invoice to be paid");
        var invoice = await grace.Billing.InvoiceAsync(summary.Id);
        _say.Sees($"One invoice, {invoice.Number}, for {invoice.AccountName}: {invoice.Lines.Sum(l => l.Quantity ?? 0)} calls at 2 cents = {Money(invoice.Total, invoice.Currency)}, {invoice.Status} with the organization's card.");
        _say.Sees($"Per company: {string.Join(", ", invoice.UsageByCompany.Select(u => $"{u.CompanyName} {u.Calls}"))}.");
        Narrator.Look("Grace's invoices", $"{_at.Billing}billing-accounts/{story.Org.Id}/invoices");
        Narrator.Look("the invoice", $"{_at.Billing}invoices/{invoice.Id}");
        var notice = await Waiting(() => NotifiedAsync(story.Owner, "invoice-issued"), "Grace's 'new invoice' notification");
        _say.Sees($"Grace's portal feed: \"{notice.Title}\"");
        Narrator.Look("Grace's feed", $"{_at.Notifications}me/notifications");
        await MailAsync(story.Owner, "New invoice");
    }

    // Story 4 after the month ended: "When billing is failing".
    private async Task FailingInvoiceAsync(FailingDemo story)
    {
        _say.Chapter("Billing fails, and staff fix it");
        var flagged = await Waiting(
            async () => (await Eventually.Returns(async () => (await _staff.Billing.AllInvoicesAsync(pastDue: true, accountId: story.Company.Id)).Items.FirstOrDefault(i => i.PastDue), i => i is not null, "past due", Patience))!,
            "the florists' invoice to be flagged past due");
        _say.Sees($"Staff's Invoices list flags {flagged.Number} of {flagged.AccountName} as PAST DUE: {Money(flagged.AmountRemaining, flagged.Currency)} owed, the card was declined ({flagged.LastPaymentError}).");
        Narrator.Look("past-due invoices (staff)", $"{_at.Billing}invoices?pastDue=true");
        var notice = await Waiting(() => NotifiedAsync(story.Owner, "invoice-past-due"), "Fiona's past-due notification");
        _say.Sees($"Fiona's feed: \"{notice.Title}\"");
        await MailAsync(story.Owner, "Past due");

        await story.Owner.Billing.AuthorizeStaffAsync(story.Company.Id);
        _say.Does("Fiona", "authorizes CIC staff to manage the company's cards on her behalf (POST …/staff-authorizations).");
        var card = await _staff.AddCardAsync(_stripe, story.Company.Id, "pm_card_mastercard");
        await _staff.Billing.MakeDefaultAsync(story.Company.Id, card.Id);
        _say.Does("Staff", $"add a new card on Fiona's behalf under her authorization ({card.Brand} …{card.Last4}, recorded as added by staff), and make it the default.");
        var outcome = await _staff.Billing.RetryPaymentAsync(flagged.Id, card.Id);
        _say.Does("Staff", "trigger a retry of the invoice with the new card (POST /invoices/{id}/retry).");
        _say.Sees($"Retry {outcome.Retry.Outcome}: the invoice is {outcome.Invoice.Status}, {Money(outcome.Invoice.AmountPaid, outcome.Invoice.Currency)} paid.");
        var succeeded = await Waiting(() => NotifiedAsync(story.Owner, "payment-retry-succeeded"), "Fiona's 'payment received' notification");
        _say.Sees($"Fiona's feed: \"{succeeded.Title}\"");
        await MailAsync(story.Owner, "Payment received");
        Narrator.Look("who did what (staff or Fiona)", $"{_at.Billing}billing-accounts/{story.Company.Id}/actions");
    }

    private async Task<Portal> MemberAsync(string kind, Guid accountId, string name, string role)
    {
        var userId = $"demo-{name.ToLowerInvariant()}-{_run}";
        await _staff.Accounts.AddMemberAsync(kind, accountId, userId, Email(userId), name, role);
        var portal = new Portal(_at, await TokenAsync("customer", userId), userId);
        _portals.Add(portal);
        return portal;
    }

    public void Dispose()
    {
        foreach (var portal in _portals)
        {
            portal.Dispose();
        }

        _stripe.Dispose();
    }

    private static string Email(string userId) => $"{userId}@demo.cic.localhost";

    private static async Task<Notification> NotifiedAsync(Portal user, string type) =>
        (await Eventually.Returns(
            async () => (await user.Notifications.FeedAsync()).Items.FirstOrDefault(n => n.Type == type),
            n => n is not null, type, Patience))!;

    private async Task MailAsync(Portal user, string subjectStart)
    {
        var address = Email(user.Who);
        var file = await Waiting(
            () => Eventually.Returns(
                () => Task.FromResult(Directory.Exists(_mailFolder)
                    ? Directory.GetFiles(_mailFolder, "*.eml").FirstOrDefault(f => IsTo(f, address, subjectStart))
                    : null),
                f => f is not null, "mail", Patience),
            $"the email to {address}");
        _say.Sees($"…and by email: \"{MimeMessage.Load(file!).Subject}\"");
        Narrator.Look("the email", Path.GetRelativePath(_root, file!));
    }

    private static bool IsTo(string file, string address, string subjectStart)
    {
        var message = MimeMessage.Load(file);
        return message.To.Mailboxes.Any(m => string.Equals(m.Address, address, StringComparison.OrdinalIgnoreCase))
            && message.Subject?.StartsWith(subjectStart, StringComparison.Ordinal) == true;
    }

    private static string Money(long minor, string currency) =>
        $"{(minor / 100m).ToString("N2", CultureInfo.InvariantCulture)} {currency.ToUpperInvariant()}";

    /// <summary>Waits for something the platform does asynchronously; a timeout stops the demo with what it waited for.</summary>
    private static async Task<T> Waiting<T>(Func<Task<T>> what, string description)
    {
        try
        {
            return await what();
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or ApiCallFailedException or HttpRequestException)
        {
            throw new DemoStoppedException($"waiting for {description}: {e.Message}", e);
        }
    }

    private static async Task Waiting(Func<Task> what, string description) =>
        await Waiting(async () =>
        {
            await what();
            return true;
        }, description);

    /// <summary>A Development token minted the way a newcomer mints one: <c>./cic token</c>.</summary>
    private async Task<string> TokenAsync(string kind, string userId)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _root };
        foreach (var argument in new[] { Path.Combine(_root, "cic"), "token", kind, userId })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var token = (await process.StandardOutput.ReadToEndAsync()).Trim();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 && token.Length > 0 ? token : throw new DemoStoppedException($"./cic token {kind} {userId} failed: {error}");
    }

    private static string Setting(string name, string what) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new DemoStoppedException($"{name} is not set: {what}. Run the demo with ./cic demo.");

    private sealed record OrganizationDemo(Organization Org, IReadOnlyList<Company> Companies, Portal Owner, int Calls, int[] Counts);

    private sealed record FailingDemo(Company Company, Portal Owner, int Calls);
}
