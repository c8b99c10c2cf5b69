/**
 * Checks a REST answer against a definition of Harbor's own swagger (v2.15.2, vendored beside this
 * file): every field Harbor's server answers must be present, and every present field must have
 * the definition's type, nested definitions included. Wharf's OpenAPI document (test-kit's check)
 * only says Wharf answers what Wharf documents; this says a Harbor client finds what it reads.
 * Test-only.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  "x-nullable"?: boolean;
};

const SWAGGER = parse(readFileSync(fileURLToPath(new URL("./harbor/harbor-api-v2.0-swagger.yaml", import.meta.url)), "utf8")) as {
  definitions: Record<string, Schema>;
};

/**
 * Fields the check does not demand, with why. Everything else in a definition must be answered.
 * Present or not, their types are checked.
 */
const HARBOR_OMITS: Readonly<Record<string, readonly string[]>> = {
  // Only for users who sign in through OIDC, which Wharf does not offer; Harbor omits it otherwise.
  UserResp: ["oidc_user_meta"],
  // Harbor's GET never answers a robot's secret (only create and refresh do, as RobotCreated/RobotSec).
  Robot: ["secret"],
  // Wharf stores no SBOM summary per artifact yet; Harbor leaves the field out until an SBOM exists.
  Artifact: ["sbom_overview"],
  // Per child of an index, only what its descriptor says (Harbor likewise answers them only then).
  Reference: ["child_id", "annotations", "urls"],
  Platform: ["'os.version'", "'os.features'", "variant"],
  // Never-expiring allowlists: Harbor answers expires_at only when it is set (x-nullable).
  CVEAllowlist: ["expires_at"],
  // Each metadata key only when it is set on the project (Harbor answers the stored keys).
  ProjectMetadata: [
    "enable_content_trust",
    "enable_content_trust_cosign",
    "prevent_vul",
    "severity",
    "auto_scan",
    "auto_sbom_generation",
    "reuse_sys_cve_allowlist",
    "retention_id",
    "proxy_speed_kb",
    "max_upstream_conn",
    "proxy_cache_local_on_not_found",
  ],
};

function definitionOf(ref: string): [string, Schema] {
  const name = ref.replace(/^#\/definitions\//, "");
  const schema = SWAGGER.definitions[name];
  if (!schema) throw new Error(`Harbor's swagger has no definition ${name}`);
  return [name, schema];
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/**
 * `definition`: set when `schema` is a whole definition (its omissions apply); `label`: what an
 * error names as Harbor's (the definition, or the definition whose property this is).
 */
function check(schema: Schema, value: unknown, path: string, errors: string[], definition?: string, label = "schema"): void {
  if (schema.$ref) {
    const [name, target] = definitionOf(schema.$ref);
    check(target, value, path, errors, name, name);
    return;
  }
  if (value === null) {
    if (!schema["x-nullable"]) errors.push(`${path}: null, but Harbor's ${label} gives ${schema.type ?? "a value"}`);
    return;
  }
  // go-swagger makes a bare `type: object` (no properties) interface{}: any JSON value, as in
  // ExtraAttrs, whose values Harbor answers as strings and objects alike.
  if (schema.type === "object" && !schema.properties && schema.additionalProperties === undefined) return;
  const actual = typeOf(value);
  const expected = schema.type ?? (schema.properties || schema.additionalProperties ? "object" : undefined);
  if (expected && !(actual === expected || (expected === "number" && actual === "integer"))) {
    errors.push(`${path}: ${actual}, Harbor's ${label} gives ${expected}`);
    return;
  }
  if (actual === "array" && schema.items) {
    (value as unknown[]).forEach((item, i) => check(schema.items!, item, `${path}[${i}]`, errors, undefined, label));
  }
  if (actual !== "object") return;
  const object = value as Record<string, unknown>;
  const omits = new Set(definition ? (HARBOR_OMITS[definition] ?? []) : []);
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (!(key in object)) {
      if (!omits.has(key)) errors.push(`${path}.${key}: missing (Harbor's ${definition} answers it)`);
      continue;
    }
    check(property, object[key], `${path}.${key}`, errors, undefined, label);
  }
  if (typeof schema.additionalProperties === "object") {
    for (const [key, item] of Object.entries(object)) {
      if (!schema.properties || !(key in schema.properties)) check(schema.additionalProperties, item, `${path}.${key}`, errors, undefined, label);
    }
  }
}

/** Every way `value` falls short of Harbor's definition `name` (e.g. "Artifact"); empty when none. */
export function harborShapeErrors(name: string, value: unknown): string[] {
  const errors: string[] = [];
  check({ $ref: `#/definitions/${name}` }, value, name, errors);
  return errors;
}

/** As harborShapeErrors, for a list answer: each item against the definition. */
export function harborListShapeErrors(name: string, values: unknown): string[] {
  if (!Array.isArray(values)) return [`${name}[]: ${typeOf(values)}, expected a list`];
  return values.flatMap((v, i) => harborShapeErrors(name, v).map((e) => e.replace(name, `${name}[${i}]`)));
}
