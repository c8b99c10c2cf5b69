import "server-only";
import type { z } from "zod";
import { systemActor, type Actor } from "@/lib/auth/actor";
import { sealSecret, unsealSecret, type SealContext } from "@/lib/crypto/sealed-secret";
import { db, type DbTransaction } from "@/lib/db/client";
import { AppError, ConflictError, NotFoundError, ValidationError, type FieldErrors } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { AdapterError, getAdapterMetadata, type AdapterConnection } from "@/lib/scan/adapter/client";
import { DOCKER_MANIFEST_MIME, SBOM_REPORT_MIME, VULNERABILITY_REPORT_MIMES, sameMime } from "@/lib/scan/adapter/mime";
import type { ScannerAdapterMetadata } from "@/lib/scan/adapter/spec-schemas";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { containsText } from "@/lib/services/contains-text";
import { type Page, skipTake } from "@/lib/services/pagination";
import { builtinAdapterKey, builtinAdapterUrl } from "@/lib/services/scan/builtin-adapter-key";
import { isUniqueViolation } from "@/lib/services/users/unique-violation";
import {
  type ScannerAuthType,
  type TCreateScanner,
  type TPingScanner,
  type TUpdateScanner,
  ZCreateScanner,
  ZPingScanner,
  ZSetProjectScanner,
  ZSetProjectScannerByUuid,
  ZUpdateScanner,
} from "@/lib/validation/scanners";

/**
 * Scanner registrations (Harbor's Interrogation services): adapters speaking the Pluggable Scanner
 * API. Administrators create, update, delete, ping and pick the default; administrators and
 * auditors read. The access credential is sealed under WHARF_SECRET_KEY and never leaves this
 * module except as a ready AdapterConnection for Wharf's own scan job. Every change writes one
 * audit row in its transaction; refusals one failure row (assertSystemPermission).
 *
 * Wharf's built-in adapter is registered on the first start as the default (ensureBuiltinScanner),
 * with its URL from WHARF_EXTERNAL_URL and a Bearer key derived from WHARF_SECRET_KEY.
 */

const SUMMARY_SELECT = {
  id: true,
  uuid: true,
  name: true,
  description: true,
  url: true,
  auth: true,
  credentialSealed: true,
  skipCertVerify: true,
  isDefault: true,
  disabled: true,
  builtin: true,
  health: true,
  healthMessage: true,
  healthCheckedAt: true,
  metadata: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.ScannerSelect;

type Row = Prisma.ScannerGetPayload<{ select: typeof SUMMARY_SELECT }>;

export type ScannerHealth = "healthy" | "unhealthy" | "unknown";

export type ScannerSummary = Omit<Row, "credentialSealed" | "auth" | "health" | "metadata"> & {
  auth: ScannerAuthType;
  health: ScannerHealth;
  /** Whether a credential is stored (never the credential). */
  hasCredential: boolean;
  /** From the last successful ping. */
  metadata: ScannerAdapterMetadata | null;
  capabilities: { vulnerability: boolean; sbom: boolean };
};

function capabilitiesOf(metadata: ScannerAdapterMetadata | null): ScannerSummary["capabilities"] {
  const caps = metadata?.capabilities ?? [];
  return {
    vulnerability: caps.some((c) => c.produces_mime_types.some((m) => VULNERABILITY_REPORT_MIMES.some((v) => sameMime(m, v)))),
    sbom: caps.some((c) => c.produces_mime_types.some((m) => sameMime(m, SBOM_REPORT_MIME))),
  };
}

function toSummary({ credentialSealed, ...row }: Row): ScannerSummary {
  const metadata = (row.metadata as ScannerAdapterMetadata | null) ?? null;
  return {
    ...row,
    auth: row.auth as ScannerAuthType,
    health: row.health as ScannerHealth,
    hasCredential: credentialSealed !== null,
    metadata,
    capabilities: capabilitiesOf(metadata),
  };
}

const sealContext = (id: number): SealContext => ({ purpose: "wharf scanner credential v1", binding: `scanner:${id}`, what: `the access credential of scanner registration ${id}` });

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fieldErrors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path.map(String).join(".") || "_";
    (fieldErrors[key] ??= []).push(issue.message);
  }
  const text = Object.entries(fieldErrors)
    .map(([k, v]) => `${k}: ${v.join(", ")}`)
    .join("; ");
  throw new ValidationError(text, fieldErrors);
}

const resource = (r: { id?: number | null; name?: string | null }) => ({ type: "scanner", id: r.id ?? null, name: r.name ?? null });

/** What an audit row says of a registration: never the credential, only whether one is set. */
function auditView(r: { name: string; url: string; auth: string; skipCertVerify: boolean; disabled: boolean; isDefault: boolean; description: string }) {
  return { name: r.name, url: r.url, auth: r.auth, skipCertVerify: r.skipCertVerify, disabled: r.disabled, isDefault: r.isDefault, description: r.description };
}

function nameTaken(): ConflictError {
  return new ConflictError("A scanner with that name already exists.", { name: ["This name is already used by another scanner"] });
}

async function assertNameFree(tx: DbTransaction, name: string, exceptId?: number): Promise<void> {
  const clash = await tx.scanner.findFirst({ where: { name, ...(exceptId ? { id: { not: exceptId } } : {}) }, select: { id: true } });
  if (clash) throw nameTaken();
}

function idOf(input: unknown): number | null {
  const id = (input as { scannerId?: unknown } | null)?.scannerId;
  return typeof id === "number" && Number.isInteger(id) && id > 0 ? id : null;
}

function nameOf(input: unknown): string | null {
  const name = (input as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name.slice(0, 255) : null;
}

async function findRow(tx: DbTransaction | typeof db, scannerId: number): Promise<Row> {
  const row = await tx.scanner.findUnique({ where: { id: scannerId }, select: SUMMARY_SELECT });
  if (!row) throw new NotFoundError(`Scanner ${scannerId} does not exist.`);
  return row;
}

export async function createScanner({ actor, input }: { actor: Actor; input: unknown }): Promise<ScannerSummary> {
  await assertSystemPermission(actor, "scanner.create", { type: "scanner", name: nameOf(input) }, "scanner.create");
  const data: TCreateScanner = parse(ZCreateScanner, input);
  try {
    return await db.$transaction(async (tx) => {
      await assertNameFree(tx, data.name);
      const created = await tx.scanner.create({
        data: { name: data.name, description: data.description, url: data.url, auth: data.auth, skipCertVerify: data.skipCertVerify, disabled: data.disabled },
        select: { id: true },
      });
      // Sealed bound to the row id, known only now.
      const row = await tx.scanner.update({
        where: { id: created.id },
        data: { credentialSealed: data.auth !== "" && data.accessCredential ? sealSecret(data.accessCredential, sealContext(created.id)) : null },
        select: SUMMARY_SELECT,
      });
      await recordAuditEvent(tx, { actor, action: "scanner.create", resource: resource(row), detail: auditView(row) });
      return toSummary(row);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken();
    throw err;
  }
}

export async function updateScanner({ actor, input }: { actor: Actor; input: unknown }): Promise<ScannerSummary> {
  const scannerId = idOf(input);
  await assertSystemPermission(actor, "scanner.update", { type: "scanner", id: scannerId }, "scanner.update");
  const data: TUpdateScanner = parse(ZUpdateScanner, input);
  try {
    return await db.$transaction(async (tx) => {
      const before = await findRow(tx, data.scannerId);
      await assertNameFree(tx, data.name, before.id);
      // The stored credential stays when none is sent and the auth type is the same; it goes with auth "".
      const keep = !data.accessCredential && data.auth === before.auth;
      const credentialSealed = data.auth === "" ? null : data.accessCredential ? sealSecret(data.accessCredential, sealContext(before.id)) : keep ? before.credentialSealed : null;
      if (data.auth !== "" && credentialSealed === null) {
        throw new ValidationError(`accessCredential: A credential is required for ${data.auth} authorization`, { accessCredential: [`A credential is required for ${data.auth} authorization`] });
      }
      if (data.disabled && before.isDefault) {
        throw new ConflictError("The default scanner cannot be disabled; make another scanner the default first.", { disabled: ["The default scanner cannot be disabled"] });
      }
      const connectionChanged = before.url !== data.url || before.auth !== data.auth || Boolean(data.accessCredential) || before.skipCertVerify !== data.skipCertVerify;
      const row = await tx.scanner.update({
        where: { id: before.id },
        data: {
          name: data.name,
          description: data.description,
          url: data.url,
          auth: data.auth,
          credentialSealed,
          skipCertVerify: data.skipCertVerify,
          disabled: data.disabled,
          ...(connectionChanged ? { health: "unknown", healthMessage: "", healthCheckedAt: null } : {}),
        },
        select: SUMMARY_SELECT,
      });
      await recordAuditEvent(tx, {
        actor,
        action: "scanner.update",
        resource: resource(row),
        detail: { before: auditView(before), after: auditView(row), credentialChanged: Boolean(data.accessCredential) },
      });
      return toSummary(row);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken();
    throw err;
  }
}

/**
 * The console's Enable / Disable of a listed registration: only `disabled` changes (one
 * `scanner.update` row). The default cannot be disabled; projects that chose a disabled scanner
 * scan with the default meanwhile (scannerIdForProject).
 */
export async function setScannerDisabled({ actor, scannerId, disabled }: { actor: Actor; scannerId: number; disabled: boolean }): Promise<ScannerSummary> {
  await assertSystemPermission(actor, "scanner.update", { type: "scanner", id: scannerId }, "scanner.update");
  return db.$transaction(async (tx) => {
    const before = await findRow(tx, scannerId);
    if (disabled && before.isDefault) {
      throw new ConflictError(`Scanner ${before.name} is the default and cannot be disabled; make another scanner the default first.`);
    }
    const row = await tx.scanner.update({ where: { id: before.id }, data: { disabled }, select: SUMMARY_SELECT });
    await recordAuditEvent(tx, { actor, action: "scanner.update", resource: resource(row), detail: { before: auditView(before), after: auditView(row), credentialChanged: false } });
    return toSummary(row);
  });
}

/**
 * The default cannot be deleted (Harbor's rule): another becomes the default first. Returns the
 * registration as it was (Harbor's DELETE answers it).
 */
export async function deleteScanner({ actor, scannerId }: { actor: Actor; scannerId: number }): Promise<ScannerSummary> {
  await assertSystemPermission(actor, "scanner.delete", { type: "scanner", id: scannerId }, "scanner.delete");
  return db.$transaction(async (tx) => {
    const row = await findRow(tx, scannerId);
    if (row.isDefault) throw new ConflictError(`Scanner ${row.name} is the default; make another scanner the default before deleting it.`);
    await tx.scanner.delete({ where: { id: row.id }, select: { id: true } });
    await recordAuditEvent(tx, { actor, action: "scanner.delete", resource: resource(row), detail: auditView(row) });
    return toSummary(row);
  });
}

export async function setDefaultScanner({ actor, scannerId }: { actor: Actor; scannerId: number }): Promise<ScannerSummary> {
  await assertSystemPermission(actor, "scanner.set_default", { type: "scanner", id: scannerId }, "scanner.set_default");
  return db.$transaction(async (tx) => {
    const row = await findRow(tx, scannerId);
    if (row.disabled) throw new ConflictError(`Scanner ${row.name} is disabled; enable it before making it the default.`);
    const previous = await tx.scanner.findFirst({ where: { isDefault: true }, select: { id: true, name: true } });
    if (previous && previous.id !== row.id) await tx.scanner.update({ where: { id: previous.id }, data: { isDefault: false }, select: { id: true } });
    const updated = await tx.scanner.update({ where: { id: row.id }, data: { isDefault: true }, select: SUMMARY_SELECT });
    await recordAuditEvent(tx, { actor, action: "scanner.set_default", resource: resource(updated), detail: { previous: previous?.name ?? null } });
    return toSummary(updated);
  });
}

export async function listScanners({ actor }: { actor: Actor }): Promise<ScannerSummary[]> {
  await assertSystemPermission(actor, "scanner.list", { type: "scanner" });
  const rows = await db.scanner.findMany({ select: SUMMARY_SELECT, orderBy: [{ name: "asc" }, { id: "asc" }] });
  return rows.map(toSummary);
}

/** Harbor's `q` terms a scanner list takes: name and url, each exact or a substring. */
export type ScannerListQuery = {
  name?: { op: "exact" | "fuzzy"; value: string };
  url?: { op: "exact" | "fuzzy"; value: string };
  page: number;
  pageSize: number;
};

function textFilter(term: { op: "exact" | "fuzzy"; value: string }) {
  return term.op === "exact" ? term.value : containsText(term.value);
}

/** One page of registrations by name (the REST list and the console's page). */
export async function listScannerPage({ actor, query }: { actor: Actor; query: ScannerListQuery }): Promise<Page<ScannerSummary>> {
  await assertSystemPermission(actor, "scanner.list", { type: "scanner" });
  const where: Prisma.ScannerWhereInput = {
    ...(query.name ? { name: textFilter(query.name) } : {}),
    ...(query.url ? { url: textFilter(query.url) } : {}),
  };
  const [rows, total] = await db.$transaction([
    db.scanner.findMany({ where, select: SUMMARY_SELECT, orderBy: [{ name: "asc" }, { id: "asc" }], ...skipTake(query.page, query.pageSize) }),
    db.scanner.count({ where }),
  ]);
  return { rows: rows.map(toSummary), total, page: query.page, pageSize: query.pageSize };
}

export async function getScanner({ actor, scannerId }: { actor: Actor; scannerId: number }): Promise<ScannerSummary> {
  await assertSystemPermission(actor, "scanner.read", { type: "scanner", id: scannerId });
  return toSummary(await findRow(db, scannerId));
}

/** By Harbor's registration id (the REST API's `{registration_id}`). */
export async function getScannerByUuid({ actor, uuid }: { actor: Actor; uuid: string }): Promise<ScannerSummary> {
  await assertSystemPermission(actor, "scanner.read", { type: "scanner", name: uuid.slice(0, 64) });
  const row = /^[0-9a-f-]{36}$/i.test(uuid) ? await db.scanner.findUnique({ where: { uuid: uuid.toLowerCase() }, select: SUMMARY_SELECT }) : null;
  if (!row) throw new NotFoundError(`Scanner ${uuid.slice(0, 64)} does not exist.`);
  return toSummary(row);
}

function connectionOf(row: Row): AdapterConnection {
  return {
    url: row.url,
    auth: row.auth as ScannerAuthType,
    credential: row.credentialSealed === null ? null : unsealSecret(row.credentialSealed, sealContext(row.id)),
    skipCertVerify: row.skipCertVerify,
  };
}

export type ScannerPingResult = { ok: true; message: string; metadata: ScannerAdapterMetadata } | { ok: false; kind: string; message: string };

/** Harbor's ScannerAdapterMetadata.Validate, in words: what Wharf needs of an adapter. */
function metadataProblem(metadata: ScannerAdapterMetadata): string | null {
  const { name, vendor, version } = metadata.scanner;
  if (!name || !vendor || !version) return "its metadata lacks the scanner's name, vendor or version";
  if (metadata.capabilities.length === 0) return "it declares no capability";
  if (!metadata.capabilities.some((c) => c.consumes_mime_types.some((m) => sameMime(m, DOCKER_MANIFEST_MIME)))) return "no capability consumes Docker image manifests";
  if (!capabilitiesOf(metadata).vulnerability && !capabilitiesOf(metadata).sbom) return "no capability produces a vulnerability report or an SBOM Wharf reads";
  return null;
}

async function ping(connection: AdapterConnection): Promise<ScannerPingResult> {
  try {
    const metadata = await getAdapterMetadata({ ...connection, timeoutMs: 10_000 });
    const problem = metadataProblem(metadata);
    if (problem) return { ok: false, kind: "bad_answer", message: `The scanner at ${connection.url} answered, but ${problem}.` };
    return { ok: true, message: `${metadata.scanner.name} ${metadata.scanner.version} by ${metadata.scanner.vendor} answered at ${connection.url}.`, metadata };
  } catch (error) {
    if (error instanceof AdapterError) return { ok: false, kind: error.kind, message: error.message };
    return { ok: false, kind: "error", message: `Ping of ${connection.url} failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Ping (GET /api/v1/metadata) of a stored registration (`scannerId` alone: its health and
 * capabilities are kept), of a stored one with some settings changed (an edit form; an absent
 * credential is the stored one), or of settings not saved. One `scanner.ping` row each.
 */
export async function pingScanner({ actor, input }: { actor: Actor; input: unknown }): Promise<ScannerPingResult> {
  const scannerId = idOf(input);
  await assertSystemPermission(actor, "scanner.ping", { type: "scanner", id: scannerId }, "scanner.ping");
  const raw = (input ?? {}) as Record<string, unknown>;
  const storedOnly = scannerId !== null && Object.keys(raw).every((k) => k === "scannerId");
  const stored = scannerId !== null ? await findRow(db, scannerId) : null;
  let connection: AdapterConnection;
  if (storedOnly && stored) {
    connection = connectionOf(stored);
  } else {
    const data: TPingScanner = parse(ZPingScanner, input);
    const keep = stored !== null && !data.accessCredential && data.auth === stored.auth;
    connection = {
      url: data.url,
      auth: data.auth,
      credential: data.accessCredential ? data.accessCredential : keep && stored ? connectionOf(stored).credential : null,
      skipCertVerify: data.skipCertVerify,
    };
    if (connection.auth !== "" && !connection.credential) {
      throw new ValidationError(`accessCredential: A credential is required for ${connection.auth} authorization`, { accessCredential: [`A credential is required for ${connection.auth} authorization`] });
    }
  }
  const outcome = await ping(connection);
  await db.$transaction(async (tx) => {
    if (storedOnly && stored) {
      await tx.scanner.update({
        where: { id: stored.id },
        data: {
          health: outcome.ok ? "healthy" : "unhealthy",
          healthMessage: outcome.message.slice(0, 1024),
          healthCheckedAt: new Date(),
          ...(outcome.ok ? { metadata: outcome.metadata as Prisma.InputJsonValue } : {}),
        },
        select: { id: true },
      });
    }
    await recordAuditEvent(tx, {
      actor,
      action: "scanner.ping",
      resource: stored ? resource(stored) : { type: "scanner", name: connection.url },
      detail: { url: connection.url, status: outcome.ok ? "healthy" : "unhealthy", ...(outcome.ok ? {} : { failure: outcome.kind }), message: outcome.message.slice(0, 500) },
    });
  });
  return outcome;
}

/**
 * The adapter's metadata read now (GET /api/v1/metadata), as Harbor's `/scanners/{id}/metadata`
 * answers it: for whoever may read registrations. It connects to the stored URL only (one an
 * administrator chose), so reading it is not a ping: nothing is stored and no audit row is
 * written (the stored health changes only through pingScanner, which is audited). An adapter
 * that does not answer well is a 400 naming why, as a remote registry's failure is for
 * `/registries/{id}/projects` (not a 5xx: nothing in Wharf failed).
 */
export async function getScannerMetadata({ actor, scannerId }: { actor: Actor; scannerId: number }): Promise<ScannerAdapterMetadata> {
  await assertSystemPermission(actor, "scanner.read", { type: "scanner", id: scannerId });
  const row = await findRow(db, scannerId);
  let connection: AdapterConnection;
  try {
    connection = connectionOf(row);
  } catch {
    // A credential sealed under another WHARF_SECRET_KEY no longer opens.
    throw new AppError(`The stored credential of scanner ${row.name} cannot be opened (WHARF_SECRET_KEY changed?); save it again.`, 400, "BAD_REQUEST");
  }
  try {
    return await getAdapterMetadata({ ...connection, timeoutMs: 10_000 });
  } catch (error) {
    if (error instanceof AdapterError) throw new AppError(`Scanner ${row.name}: ${error.message}`, 400, "BAD_REQUEST");
    throw error;
  }
}

// ---- per-project choice ----------------------------------------------------------------------

export type ProjectScannerChoice = { scanner: ScannerSummary | null; own: boolean };

/** The scanner a project's scans use: its own choice, else the default. Anyone who reads the project. */
export async function getProjectScanner({ actor, projectId }: { actor: Actor; projectId: number | string }): Promise<ProjectScannerChoice> {
  const project = await findProjectRef(projectId);
  await assertProjectPermission(actor, project, "scanner:read");
  const choice = await db.projectScanner.findUnique({ where: { projectId: project.id }, select: { scanner: { select: SUMMARY_SELECT } } });
  if (choice) return { scanner: toSummary(choice.scanner), own: true };
  const fallback = await db.scanner.findFirst({ where: { isDefault: true }, select: SUMMARY_SELECT });
  return { scanner: fallback ? toSummary(fallback) : null, own: false };
}

/**
 * Harbor's PUT /projects/{p}/scanner: Project Admins (and administrators). The scanner is named by
 * id (the console) or by Harbor's registration uuid (the REST API); an unknown or disabled one is
 * refused at that field with nothing changed.
 */
export async function setProjectScanner({ actor, projectId, input }: { actor: Actor; projectId: number | string; input: unknown }): Promise<ProjectScannerChoice> {
  const project = await findProjectRef(projectId);
  await assertProjectPermission(actor, project, "scanner:create", { type: "project", id: project.id, name: project.name }, "project_scanner.update");
  const byUuid = input !== null && typeof input === "object" && "uuid" in input;
  const field = byUuid ? "uuid" : "scannerId";
  const where: Prisma.ScannerWhereUniqueInput = byUuid ? { uuid: parse(ZSetProjectScannerByUuid, input).uuid } : { id: parse(ZSetProjectScanner, input).scannerId };
  return db.$transaction(async (tx) => {
    const scanner = await tx.scanner.findUnique({ where, select: SUMMARY_SELECT });
    if (!scanner) throw new ValidationError(`${field}: No such scanner`, { [field]: ["No such scanner"] });
    if (scanner.disabled) throw new ValidationError(`${field}: Scanner ${scanner.name} is disabled`, { [field]: [`Scanner ${scanner.name} is disabled`] });
    const before = await tx.projectScanner.findUnique({ where: { projectId: project.id }, select: { scanner: { select: { name: true } } } });
    await tx.projectScanner.upsert({
      where: { projectId: project.id },
      create: { projectId: project.id, scannerId: scanner.id },
      update: { scannerId: scanner.id },
      select: { projectId: true },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "project_scanner.update",
      resource: { type: "project", id: project.id, name: project.name },
      projectId: project.id,
      detail: { before: before?.scanner.name ?? null, after: scanner.name },
    });
    return { scanner: toSummary(scanner), own: true };
  });
}

/**
 * The console's "use the system default": the project's own choice goes, and its scans follow
 * whichever scanner is the default from then on. One `project_scanner.update` row (after: null),
 * also when there was no choice to remove (the request was made and allowed).
 */
export async function clearProjectScanner({ actor, projectId }: { actor: Actor; projectId: number | string }): Promise<ProjectScannerChoice> {
  const project = await findProjectRef(projectId);
  await assertProjectPermission(actor, project, "scanner:create", { type: "project", id: project.id, name: project.name }, "project_scanner.update");
  return db.$transaction(async (tx) => {
    const before = await tx.projectScanner.findUnique({ where: { projectId: project.id }, select: { scanner: { select: { name: true } } } });
    await tx.projectScanner.deleteMany({ where: { projectId: project.id } });
    await recordAuditEvent(tx, {
      actor,
      action: "project_scanner.update",
      resource: { type: "project", id: project.id, name: project.name },
      projectId: project.id,
      detail: { before: before?.scanner.name ?? null, after: null },
    });
    const fallback = await tx.scanner.findFirst({ where: { isDefault: true }, select: SUMMARY_SELECT });
    return { scanner: fallback ? toSummary(fallback) : null, own: false };
  });
}

/**
 * Harbor's `/projects/{p}/scanner/candidates`: the enabled registrations a project can choose (a
 * disabled one would be refused by setProjectScanner). For those who may change the project's
 * scanner (Harbor's rule: scanner:create in the project), and for whoever reads every registration
 * (administrators, auditors).
 */
export async function listProjectScannerCandidates({
  actor,
  projectId,
  query,
}: {
  actor: Actor;
  projectId: number | string;
  query: ScannerListQuery;
}): Promise<Page<ScannerSummary>> {
  const project = await findProjectRef(projectId);
  if (!hasSystemPermission(actor, "scanner.list")) await assertProjectPermission(actor, project, "scanner:create");
  const where: Prisma.ScannerWhereInput = {
    disabled: false,
    ...(query.name ? { name: textFilter(query.name) } : {}),
    ...(query.url ? { url: textFilter(query.url) } : {}),
  };
  const [rows, total] = await db.$transaction([
    db.scanner.findMany({ where, select: SUMMARY_SELECT, orderBy: [{ name: "asc" }, { id: "asc" }], ...skipTake(query.page, query.pageSize) }),
    db.scanner.count({ where }),
  ]);
  return { rows: rows.map(toSummary), total, page: query.page, pageSize: query.pageSize };
}

// ---- for Wharf's own scan job (no caller: the job's service authorized the scan) ---------------

/** The registration a project's scans go to: its choice if enabled, else the default if enabled. */
export async function scannerIdForProject(projectId: number): Promise<number | null> {
  const choice = await db.projectScanner.findUnique({ where: { projectId }, select: { scanner: { select: { id: true, disabled: true } } } });
  if (choice && !choice.scanner.disabled) return choice.scanner.id;
  const fallback = await db.scanner.findFirst({ where: { isDefault: true, disabled: false }, select: { id: true } });
  return fallback?.id ?? null;
}

/** The connection to a registration for the scan job: the only place its credential is opened. */
export async function scannerConnection(scannerId: number): Promise<{ name: string; connection: AdapterConnection; metadata: ScannerAdapterMetadata | null; disabled: boolean }> {
  const row = await findRow(db, scannerId);
  return { name: row.name, connection: connectionOf(row), metadata: (row.metadata as ScannerAdapterMetadata | null) ?? null, disabled: row.disabled };
}

// ---- the built-in adapter's registration -------------------------------------------------------

export const BUILTIN_SCANNER_NAME = "Wharf";

/**
 * On every start: a database without any scanner registration gets Wharf's built-in adapter as
 * its default (first start); an existing built-in registration follows WHARF_EXTERNAL_URL and the
 * current key. One audit row by `system:startup` for each change, none when nothing changed. An
 * administrator who deleted the built-in registration is not overruled.
 */
export async function ensureBuiltinScanner(): Promise<{ created: boolean; updated: boolean }> {
  const actor = systemActor("startup");
  const url = builtinAdapterUrl();
  const key = builtinAdapterKey();
  return db.$transaction(async (tx) => {
    // Instances starting together take turns (the first creates, the others see it).
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('wharf.builtin_scanner'))`;
    const existing = await tx.scanner.findFirst({ where: { builtin: true }, select: SUMMARY_SELECT });
    if (existing) {
      let current: string | null = null;
      try {
        current = existing.credentialSealed ? unsealSecret(existing.credentialSealed, sealContext(existing.id)) : null;
      } catch {
        current = null;
      }
      if (existing.url === url && existing.auth === "Bearer" && current === key) return { created: false, updated: false };
      const row = await tx.scanner.update({
        where: { id: existing.id },
        data: { url, auth: "Bearer", credentialSealed: sealSecret(key, sealContext(existing.id)), health: "unknown", healthMessage: "", healthCheckedAt: null },
        select: SUMMARY_SELECT,
      });
      await recordAuditEvent(tx, { actor, action: "scanner.update", resource: resource(row), detail: { before: auditView(existing), after: auditView(row), credentialChanged: current !== key } });
      return { created: false, updated: true };
    }
    if ((await tx.scanner.count()) > 0) return { created: false, updated: false };
    const created = await tx.scanner.create({
      data: { name: BUILTIN_SCANNER_NAME, description: "Wharf's built-in scanner: package inventories kept per image, matched against the OSV data imported into Wharf (works offline).", url, auth: "Bearer", builtin: true, isDefault: true },
      select: { id: true },
    });
    const row = await tx.scanner.update({ where: { id: created.id }, data: { credentialSealed: sealSecret(key, sealContext(created.id)) }, select: SUMMARY_SELECT });
    await recordAuditEvent(tx, { actor, action: "scanner.create", resource: resource(row), detail: auditView(row) });
    return { created: true, updated: false };
  });
}
