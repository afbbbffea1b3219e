// Checks the services' OpenAPI documents the way a portal developer uses them: redocly's recommended rules
// (errors and warnings both fail), then a TypeScript client generated from each document (openapi-typescript)
// compiled against calls.ts, a few real calls from the README. Run by ./cic test: node check.mjs <dir of Service.json>.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const documents = resolve(process.argv[2]);
const services = ["Accounts", "Usage", "Billing", "Notifications"];
const bin = name => join(here, "node_modules", ".bin", name);
const run = (command, args) => execFileSync(command, args, { cwd: here, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
let failed = false;

for (const service of services) {
  const document = join(documents, `${service}.json`);
  let report;
  try {
    report = JSON.parse(run(bin("redocly"), ["lint", document, "--extends", "recommended", "--format", "json"]));
  } catch (error) {
    // redocly exits non-zero on errors; its JSON report is still on stdout.
    report = JSON.parse(error.stdout);
  }
  if (report.totals.errors + report.totals.warnings > 0) {
    failed = true;
    console.error(`${service}: redocly lint: ${report.totals.errors} errors, ${report.totals.warnings} warnings`);
    for (const problem of report.problems) {
      console.error(`  ${problem.severity} ${problem.ruleId}: ${problem.message} (${problem.location?.[0]?.pointer ?? ""})`);
    }
  }
}

mkdirSync(join(here, "generated"), { recursive: true });
for (const service of services) {
  run(bin("openapi-typescript"), [join(documents, `${service}.json`), "-o", join(here, "generated", `${service.toLowerCase()}.d.ts`), "--silent"]);
}
try {
  run(bin("tsc"), ["--project", join(here, "tsconfig.json")]);
} catch (error) {
  failed = true;
  console.error("the generated clients do not compile against calls.ts:\n" + error.stdout + error.stderr);
}

if (failed) {
  process.exit(1);
}
