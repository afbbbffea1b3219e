// A few of the README's calls as a portal writes them with clients generated from the OpenAPI documents
// (openapi-typescript + openapi-fetch). It only has to compile: ./cic test checks that it does.
import createClient from "openapi-fetch";
import type { components as accounts, paths as AccountsPaths } from "./generated/accounts";
import type { components as billing, paths as BillingPaths } from "./generated/billing";
import type { paths as NotificationsPaths } from "./generated/notifications";
import type { paths as UsagePaths } from "./generated/usage";

const headers = { Authorization: "Bearer <token>" };

// openapi-fetch does not reject unknown query names; `satisfies` these types does (camelCase, as the README says).
type Query<P, Path extends keyof P, Method extends keyof P[Path]> = P[Path][Method] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
const accountsApi = createClient<AccountsPaths>({ baseUrl: "http://127.0.0.1:5101", headers });
const usageApi = createClient<UsagePaths>({ baseUrl: "http://127.0.0.1:5102", headers });
const billingApi = createClient<BillingPaths>({ baseUrl: "http://127.0.0.1:5103", headers });
const notificationsApi = createClient<NotificationsPaths>({ baseUrl: "http://127.0.0.1:5104", headers });

export async function portalPages(companyId: string, accountId: string, invoiceId: string): Promise<void> {
  // Accounts: register a company on its own (organizationId and externalReference are optional), list, my accounts.
  const registered = await accountsApi.POST("/companies", { body: { name: "Acme Telecom" } });
  if (registered.error) {
    const problem: accounts["schemas"]["Problem"] | accounts["schemas"]["HttpValidationProblemDetails"] | accounts["schemas"]["ProblemDetails"] = registered.error;
    console.log(problem.title);
  }
  const companies = await accountsApi.GET("/companies", { params: { query: { search: "acme", page: 1, pageSize: 25 } satisfies Query<AccountsPaths, "/companies", "get"> } });
  const total: number = companies.data?.total ?? 0;
  const mine = await accountsApi.GET("/me/accounts");
  const role: "Owner" | "Billing" | "Member" | null | undefined = mine.data?.companies[0]?.role;
  await accountsApi.POST("/companies/{id}/members", {
    params: { path: { id: companyId } },
    body: { userId: "auth0|user-42", email: "ana@example.com", displayName: "Ana", role: "Billing" },
  });

  // Usage: call history with a limit, the CSV export as text.
  const calls = await usageApi.GET("/companies/{companyId}/calls", { params: { path: { companyId }, query: { limit: 100 } satisfies Query<UsagePaths, "/companies/{companyId}/calls", "get"> } });
  const duration: number | undefined = calls.data?.calls[0]?.durationMs;
  const csv = await usageApi.GET("/companies/{companyId}/calls/export", { params: { path: { companyId } }, parseAs: "text" });
  const text: string | undefined = csv.data;

  // Billing: who pays, the card form, cards, my invoices across accounts, a retry with the default card.
  const account = await billingApi.GET("/billing-accounts/{accountId}", { params: { path: { accountId } } });
  const payer: billing["schemas"]["PayerResponse"] | null | undefined = account.data?.payer;
  const setup = await billingApi.POST("/billing-accounts/{accountId}/payment-methods/setup", { params: { path: { accountId } } });
  const secret: string | undefined = setup.data?.clientSecret;
  const cards = await billingApi.GET("/billing-accounts/{accountId}/payment-methods", { params: { path: { accountId } } });
  const brand: "visa" | "mastercard" | "amex" | string | undefined = cards.data?.[0]?.brand;
  await billingApi.DELETE("/billing-accounts/{accountId}/payment-methods/{paymentMethodId}", {
    params: { path: { accountId, paymentMethodId: "pm_1" }, query: { newDefaultPaymentMethodId: "pm_2" } satisfies Query<BillingPaths, "/billing-accounts/{accountId}/payment-methods/{paymentMethodId}", "delete"> },
  });
  const invoices = await billingApi.GET("/me/invoices", { params: { query: { pastDue: true, status: "open", pageSize: 25 } satisfies Query<BillingPaths, "/me/invoices", "get"> } });
  const status: "draft" | "open" | "paid" | "uncollectible" | "void" | undefined = invoices.data?.items[0]?.status;
  const amountDue: number | undefined = invoices.data?.items[0]?.amountDue;
  const retried = await billingApi.POST("/invoices/{invoiceId}/retry", { params: { path: { invoiceId } }, body: {} });
  const outcome: "pending" | "succeeded" | "failed" | undefined = retried.data?.retry.outcome;
  const staffList = await billingApi.GET("/invoices", { params: { query: { pastDue: true, accountId } satisfies Query<BillingPaths, "/invoices", "get"> } });

  // Notifications: switch one email off, the unread feed.
  await notificationsApi.PUT("/me/notification-settings", { body: { settings: { "invoice-issued": { email: false } } } });
  const feed = await notificationsApi.GET("/me/notifications", { params: { query: { unread: true, page: 1, pageSize: 20 } satisfies Query<NotificationsPaths, "/me/notifications", "get"> } });
  const type: "invoice-issued" | "invoice-past-due" | "payment-method-expired" | "payment-retry-succeeded" | "payment-retry-failed" | undefined =
    feed.data?.items[0]?.type;

  console.log(total, role, duration, text, payer, secret, brand, status, amountDue, outcome, staffList.data?.total, type);
}
