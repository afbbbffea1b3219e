// Validates every Kubernetes object in deploy/k8s/*.yaml against the JSON schemas of the Kubernetes
// API (the kubernetes-models package: validators generated from the API's OpenAPI document), plus the
// rules the API server enforces that a schema cannot say. Prints nothing on success unless --summary;
// each problem on a line of its own otherwise, and exits 1.
//
//   node deploy/k8s/check/validate.mjs [--summary]      (./cic check-deploy runs it)
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const manifests = join(here, "..");
const models = createRequire(import.meta.url)("kubernetes-models/package.json");

const problems = [];
let objects = 0;

for (const file of readdirSync(manifests).filter((name) => name.endsWith(".yaml")).sort()) {
  for (const document of parseAllDocuments(readFileSync(join(manifests, file), "utf8"))) {
    // Duplicate keys and malformed YAML are errors too: kubectl would take the last value silently.
    if (document.errors.length > 0) {
      problems.push(`${file}: ${document.errors.map((error) => error.message).join("; ")}`);
      continue;
    }
    const object = document.toJS();
    if (object === null) {
      continue;
    }
    objects++;
    const where = `${file}: ${object.kind ?? "(no kind)"} ${object.metadata?.name ?? "(no name)"}`;
    try {
      const model = await modelOf(object);
      new model(object).validate();
    } catch (error) {
      problems.push(`${where}: ${error.message}`);
      continue;
    }
    for (const problem of serverRules(object)) {
      problems.push(`${where}: ${problem}`);
    }
  }
}

if (objects === 0) {
  problems.push(`no Kubernetes objects found in ${manifests}`);
}
if (problems.length > 0) {
  for (const problem of problems) {
    console.error(problem);
  }
  process.exit(1);
}
if (process.argv.includes("--summary")) {
  console.log(`deploy/k8s: ${objects} objects valid against the Kubernetes API schemas (kubernetes-models ${models.version})`);
}

/** The model class of an object's apiVersion and kind: apps/v1 Deployment is kubernetes-models/apps/v1's Deployment. */
async function modelOf(object) {
  if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
    throw new Error("apiVersion and kind are required");
  }
  let group;
  try {
    group = await import(`kubernetes-models/${object.apiVersion}`);
  } catch {
    throw new Error(`apiVersion ${object.apiVersion} is not a Kubernetes API this check knows`);
  }
  const model = group[object.kind];
  if (typeof model !== "function" || !("validate" in model.prototype)) {
    throw new Error(`kind ${object.kind} is not part of ${object.apiVersion}`);
  }
  return model;
}

/** What the API server rejects although the schema allows it. */
function* serverRules(object) {
  if (!object.metadata?.name) {
    yield "metadata.name is required";
  }
  const template = object.spec?.template;
  if (!template) {
    return;
  }
  // A workload's selector must select its own pods (apps/v1 workloads; Jobs generate theirs).
  const selector = object.spec.selector?.matchLabels ?? {};
  const labels = template.metadata?.labels ?? {};
  for (const [key, value] of Object.entries(selector)) {
    if (labels[key] !== value) {
      yield `spec.selector.matchLabels.${key} does not match the pod template's labels`;
    }
  }
  // Probes that name a port must name one the container declares.
  for (const container of template.spec?.containers ?? []) {
    const ports = new Set((container.ports ?? []).map((port) => port.name));
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      const port = container[probe]?.httpGet?.port;
      if (typeof port === "string" && !ports.has(port)) {
        yield `container ${container.name}: ${probe} uses port "${port}", which the container does not declare`;
      }
    }
  }
}
