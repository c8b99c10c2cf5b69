/**
 * `/scanners` (+ `/scanners/ping`, `/scanners/{registration_id}`, its `/metadata`) and
 * `/projects/{project_name_or_id}/scanner` (+ `/candidates`) in Harbor's shapes
 * (ScannerRegistration, ScannerRegistrationReq, ScannerRegistrationSettings, IsDefault,
 * ProjectScanner, ScannerAdapterMetadata). `{registration_id}` is the registration's uuid, as in
 * Harbor. A stored access credential never leaves Wharf: `access_credential` is masked, and a PUT
 * that sends the mask back (or nothing) keeps it. Who may do what is decided in
 * lib/services/scan/scanners.ts.
 */
import { z } from "zod";
import { parseInputs, readJsonObject } from "@/lib/api/body";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { locationUnder, projectFromPath } from "@/lib/api/params";
import { harborQ, parseQuery } from "@/lib/api/query";
import { SECRET_MASK } from "@/lib/api/shapes";
import { ok, withApi } from "@/lib/api/with-api";
import { AppError, NotFoundError, ValidationError } from "@/lib/errors";
import type { ScannerAdapterMetadata } from "@/lib/scan/adapter/spec-schemas";
import {
  createScanner,
  deleteScanner,
  getProjectScanner,
  getScannerByUuid,
  getScannerMetadata,
  listProjectScannerCandidates,
  listScannerPage,
  pingScanner,
  type ScannerListQuery,
  type ScannerSummary,
  setDefaultScanner,
  setProjectScanner,
  updateScanner,
} from "@/lib/services/scan/scanners";
import { SCANNER_AUTH_TYPES } from "@/lib/validation/scanners";

type RegistrationParams = { registration_id: string };
type ProjectParams = { project_name_or_id: string };

// ---- shapes --------------------------------------------------------------------------------------

const dateTime = (description: string) => z.iso.datetime().describe(description);

/** Harbor's ScannerRegistration. */
export const ZHarborScannerRegistration = z.object({
  uuid: z.string().describe("The registration's id (`{registration_id}`)."),
  name: z.string(),
  description: z.string(),
  url: z.string().describe("The adapter's base URL."),
  disabled: z.boolean(),
  is_default: z.boolean(),
  auth: z.enum(SCANNER_AUTH_TYPES).describe('How Wharf authenticates to the adapter; "" is none.'),
  access_credential: z.string().describe(`"${SECRET_MASK}" when a credential is stored, "" otherwise; never the credential.`),
  skip_certVerify: z.boolean().describe("Skip TLS verification of the adapter's certificate."),
  use_internal_addr: z.boolean().describe("Always false: scanners pull through Wharf's external URL."),
  create_time: dateTime("When the registration was created."),
  update_time: dateTime("When the registration last changed."),
  adapter: z.string().optional().describe("The scanner's name from the adapter's metadata (its last successful ping)."),
  vendor: z.string().optional().describe("The scanner's vendor, as above."),
  version: z.string().optional().describe("The scanner's version, as above."),
  health: z.enum(["healthy", "unhealthy", "unknown"]).describe("The outcome of the last ping of the stored registration (unknown: never pinged since its connection changed)."),
  capabilities: z.object({ support_vulnerability: z.boolean(), support_sbom: z.boolean() }).describe("What the adapter produced at its last successful ping."),
});
export type HarborScannerRegistration = z.infer<typeof ZHarborScannerRegistration>;

/** Harbor's ScannerAdapterMetadata (the adapter's own answer, without fields Harbor does not have). */
export const ZHarborScannerAdapterMetadata = z.object({
  scanner: z.object({ name: z.string().optional(), vendor: z.string().optional(), version: z.string().optional() }),
  capabilities: z.array(
    z.object({
      type: z.enum(["vulnerability", "sbom"]).optional(),
      consumes_mime_types: z.array(z.string()),
      produces_mime_types: z.array(z.string()),
    }),
  ),
  properties: z.record(z.string(), z.string()).optional(),
});

const str = () => z.string({ error: "Must be a string" }).nullish();
const bool = () => z.boolean({ error: "Must be true or false" }).nullish();

/**
 * Harbor's ScannerRegistrationReq as JSON types; the rules (name, URL, auth, credential) are the
 * shared schema's (lib/validation/scanners.ts), applied by the service. `use_internal_addr: true`
 * is refused rather than ignored: Wharf has no internal registry address to give a scanner.
 */
export const ZScannerRegistrationReq = z.object({
  name: str(),
  description: str(),
  url: str(),
  auth: str().describe('"" (none), "Basic", "Bearer" or "X-ScannerAdapter-API-Key" (also "APIKey").'),
  access_credential: str().describe('Basic: "username:password"; Bearer: the token; API key: the key. Absent, empty or the mask on update: the stored one is kept.'),
  skip_certVerify: bool(),
  use_internal_addr: bool().refine((v) => v !== true, "Wharf has no internal registry address; scanners pull through its external URL (send false or nothing)"),
  disabled: bool(),
});

/** Harbor's ScannerRegistrationSettings (`name` is accepted and not needed), and Wharf's `skip_certVerify`. */
export const ZScannerSettingsReq = ZScannerRegistrationReq.pick({ name: true, url: true, auth: true, access_credential: true, skip_certVerify: true });

/** Harbor's IsDefault: only `true` means something (the default moves by making another the default). */
export const ZIsDefaultReq = z.object({
  is_default: z.literal(true, { error: "Must be true (to stop being the default, make another scanner the default)" }),
});

/** Harbor's ProjectScanner. */
export const ZProjectScannerReq = z.object({ uuid: z.string().describe("The registration id of an enabled scanner.") });

/** The shared schema's field names, as Harbor's JSON spells them. */
const FIELDS: Readonly<Record<string, string>> = { accessCredential: "access_credential", skipCertVerify: "skip_certVerify", scannerId: "registration_id" };

/** A service's field errors (shared names) as one 400 in Harbor's field names. */
function harborFieldNames<T>(run: () => Promise<T>): Promise<T> {
  return run().catch((error: unknown) => {
    if (error instanceof ValidationError && Object.keys(error.fieldErrors).length) {
      throw new ValidationError(
        Object.entries(error.fieldErrors)
          .map(([field, messages]) => `${FIELDS[field] ?? field}: ${messages.join(", ")}`)
          .join("; "),
        error.fieldErrors,
      );
    }
    throw error;
  });
}

/** A sent credential, unless it is empty or the mask a GET answered (both keep the stored one). */
const sentCredential = (value: string | null | undefined) => (value && value !== SECRET_MASK ? value : undefined);

export function toHarborScanner(s: ScannerSummary): HarborScannerRegistration {
  const info = s.metadata?.scanner;
  return {
    uuid: s.uuid,
    name: s.name,
    description: s.description,
    url: s.url,
    disabled: s.disabled,
    is_default: s.isDefault,
    auth: s.auth,
    access_credential: s.hasCredential ? SECRET_MASK : "",
    skip_certVerify: s.skipCertVerify,
    use_internal_addr: false,
    create_time: s.createdAt.toISOString(),
    update_time: s.updatedAt.toISOString(),
    ...(info?.name ? { adapter: info.name } : {}),
    ...(info?.vendor ? { vendor: info.vendor } : {}),
    ...(info?.version ? { version: info.version } : {}),
    health: s.health,
    capabilities: { support_vulnerability: s.capabilities.vulnerability, support_sbom: s.capabilities.sbom },
  };
}

function toHarborMetadata(m: ScannerAdapterMetadata): z.infer<typeof ZHarborScannerAdapterMetadata> {
  return {
    scanner: m.scanner,
    capabilities: m.capabilities.map((c) => ({ ...(c.type ? { type: c.type } : {}), consumes_mime_types: c.consumes_mime_types, produces_mime_types: c.produces_mime_types })),
    ...(m.properties ? { properties: m.properties } : {}),
  };
}

function listQuery(url: URL): ScannerListQuery {
  const paging = parsePaging(url.searchParams);
  const terms = parseQuery(harborQ(url.searchParams), { name: ["exact", "fuzzy"], url: ["exact", "fuzzy"] });
  return { name: terms.get("name"), url: terms.get("url"), ...paging };
}

// ---- /scanners ----------------------------------------------------------------------------------

export const list = withApi(async ({ url, actor }) => {
  const query = listQuery(url);
  const page = await listScannerPage({ actor, query });
  return listResponse(url, page.rows.map(toHarborScanner), page.total, query);
});

export const create = withApi(async ({ req, url, actor }) => {
  const [body] = parseInputs([ZScannerRegistrationReq, await readJsonObject(req)]);
  const input = {
    name: body.name ?? undefined,
    description: body.description ?? "",
    url: body.url ?? undefined,
    auth: body.auth ?? "",
    accessCredential: sentCredential(body.access_credential),
    skipCertVerify: body.skip_certVerify ?? false,
    disabled: body.disabled ?? false,
  };
  const scanner = await harborFieldNames(() => createScanner({ actor, input }));
  return new Response(null, { status: 201, headers: { Location: locationUnder(url, scanner.uuid) } });
});

export const get = withApi<RegistrationParams>(async ({ actor, params }) => {
  return Response.json(toHarborScanner(await getScannerByUuid({ actor, uuid: params.registration_id })));
});

/** Absent fields keep their values; an absent, empty or masked `access_credential` keeps the stored one (for the same auth). */
export const update = withApi<RegistrationParams>(async ({ req, actor, params }) => {
  const [body] = parseInputs([ZScannerRegistrationReq, await readJsonObject(req)]);
  const current = await getScannerByUuid({ actor, uuid: params.registration_id });
  const input = {
    scannerId: current.id,
    name: body.name ?? current.name,
    description: body.description ?? current.description,
    url: body.url ?? current.url,
    auth: body.auth ?? current.auth,
    accessCredential: sentCredential(body.access_credential),
    skipCertVerify: body.skip_certVerify ?? current.skipCertVerify,
    disabled: body.disabled ?? current.disabled,
  };
  await harborFieldNames(() => updateScanner({ actor, input }));
  return ok();
});

/** Harbor answers the deleted registration. */
export const remove = withApi<RegistrationParams>(async ({ actor, params }) => {
  const current = await getScannerByUuid({ actor, uuid: params.registration_id });
  return Response.json(toHarborScanner(await deleteScanner({ actor, scannerId: current.id })));
});

/** PATCH `{"is_default": true}`: the system default. */
export const setDefault = withApi<RegistrationParams>(async ({ req, actor, params }) => {
  parseInputs([ZIsDefaultReq, await readJsonObject(req)]);
  const current = await getScannerByUuid({ actor, uuid: params.registration_id });
  await setDefaultScanner({ actor, scannerId: current.id });
  return ok();
});

/** The adapter's metadata, read now (not stored; see getScannerMetadata). */
export const metadata = withApi<RegistrationParams>(async ({ actor, params }) => {
  const current = await getScannerByUuid({ actor, uuid: params.registration_id });
  return Response.json(toHarborMetadata(await getScannerMetadata({ actor, scannerId: current.id })));
});

/** Settings not saved: 200 when the adapter answered usable metadata, 400 naming the cause otherwise. */
export const ping = withApi(async ({ req, actor }) => {
  const [body] = parseInputs([ZScannerSettingsReq, await readJsonObject(req)]);
  const input = { url: body.url ?? undefined, auth: body.auth ?? "", accessCredential: body.access_credential || undefined, skipCertVerify: body.skip_certVerify ?? false };
  const result = await harborFieldNames(() => pingScanner({ actor, input }));
  if (!result.ok) throw new AppError(result.message, 400, "BAD_REQUEST");
  return ok();
});

// ---- /projects/{project_name_or_id}/scanner ------------------------------------------------------

/** The project's own scanner, else the default; 404 when there is neither. */
export const projectScanner = withApi<ProjectParams>(async ({ req, actor, params }) => {
  const project = await projectFromPath(req, params.project_name_or_id);
  const choice = await getProjectScanner({ actor, projectId: project.id });
  if (!choice.scanner) throw new NotFoundError("No scanner: the project has none of its own and no scanner is the default.");
  return Response.json(toHarborScanner(choice.scanner));
});

/** `{"uuid": "<registration id>"}`; the body is checked by the service, after the caller's permission. */
export const setProjectScannerRoute = withApi<ProjectParams>(async ({ req, actor, params }) => {
  const project = await projectFromPath(req, params.project_name_or_id);
  const raw = await readJsonObject(req);
  await setProjectScanner({ actor, projectId: project.id, input: { uuid: raw.uuid } });
  return ok();
});

export const candidates = withApi<ProjectParams>(async ({ req, url, actor, params }) => {
  const project = await projectFromPath(req, params.project_name_or_id);
  const query = listQuery(url);
  const page = await listProjectScannerCandidates({ actor, projectId: project.id, query });
  return listResponse(url, page.rows.map(toHarborScanner), page.total, query);
});
