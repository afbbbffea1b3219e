using System.Net.Http.Json;
using Cic.Billing.PaymentMethods;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Testing;
using Microsoft.Playwright;

namespace Cic.Billing.Tests;

/// <summary>Billing with the Development card form page on.</summary>
public sealed class CardFormFixture : BillingFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings => [new("Stripe:CardFormPage", "true")];
}

/// <summary>
/// The seed's first story as a portal walks it, in a real browser (Debian's Chromium, driven by Playwright): the
/// owner starts the card form, a declined card is refused, a good one is saved with Stripe (the emulator) by the
/// browser itself, and Billing lists it once Stripe's webhook arrives.
/// </summary>
public sealed class CardFormTests(CardFormFixture billing) : IClassFixture<CardFormFixture>
{
    /// <summary>Debian's chromium package; ./cic test installs it.</summary>
    private const string Chromium = "/usr/bin/chromium";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_owner_adds_a_card_in_the_browser_after_a_declined_one()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: ./cic test installs Debian's chromium package (apt-get install chromium).");
        var company = await billing.CompanyAsync("Browser Bakery");
        var owner = await billing.MemberAsync(AccountKind.Company, company, MemberRole.Owner);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Root (CI, this machine) cannot use Chromium's sandbox.
            Args = ["--no-sandbox"],
        });
        var page = await browser.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);
        page.RequestFailed += (_, request) => console.Add($"{request.Method} {request.Url} failed: {request.Failure}");
        await page.GotoAsync(new Uri(billing.BaseAddress, CardFormPage.Path).ToString());

        await page.FillAsync("#token", TestTokens.Customer(owner));
        await page.FillAsync("#account", company.ToString());
        await page.ClickAsync("#begin");
        await page.Locator("#card").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });

        await FillCardAsync(page, "4000 0000 0000 9995", "08/34", "123");
        try
        {
            await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Declined: Your card has insufficient funds.");
        }
        catch (PlaywrightException e)
        {
            throw new InvalidOperationException(e.Message + "\nbrowser: " + string.Join("\n", console), e);
        }

        await FillCardAsync(page, "4242 4242 4242 4242", "08/34", "123");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync(
            "Card saved: visa ending 4242, expires 8/2034.", new LocatorAssertionsToContainTextOptions { Timeout = (float)Eventually.DefaultTimeout.TotalMilliseconds });

        var cards = await billing.Client(TestTokens.Customer(owner)).GetFromJsonAsync<List<CardResponse>>($"/billing-accounts/{company}/payment-methods", Ct);
        var card = Assert.Single(cards!);
        Assert.Equal(("visa", "4242", 8, 2034, owner), (card.Brand, card.Last4, card.ExpMonth, card.ExpYear, card.AddedBy));
    }

    private static async Task FillCardAsync(IPage page, string number, string expiry, string cvc)
    {
        await page.FillAsync("#number", number);
        await page.FillAsync("#expiry", expiry);
        await page.FillAsync("#cvc", cvc);
        await page.ClickAsync("#save");
    }
}
