import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { sealSecret, unsealSecret, type SealContext } from "@/lib/crypto/sealed-secret";
import { db, type DbTransaction } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { ConflictError, NotFoundError, someErrorInChain, ValidationError } from "@/lib/errors";
import type { RegistryEndpoint as ClientEndpoint } from "@/lib/registry/endpoint";
import { RegistryUnavailableError } from "@/lib/registry/errors";
import { recordAuditEvent, recordRefusal } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { containsText } from "@/lib/services/contains-text";
import { type Page, skipTake } from "@/lib/services/pagination";
import { connectionFor, pingRegistry, type ConnectionSettings, type PingOutcome } from "@/lib/services/registries/connect";
import { fetchRemoteProjects, type RemoteProjects } from "@/lib/services/registries/remote-projects";
import { isUniqueViolation } from "@/lib/services/users/unique-violation";
import type { FieldErrors } from "@/lib/errors";
import {
  REGISTRY_TYPES,
  type CredentialType,
  type RegistryType,
  type TCreateRegistry,
  type TPingRegistry,
  type TUpdateRegistry,
  ZCreateRegistry,
  ZPingRegistry,
  ZUpdateRegistry,
} from "@/lib/validation/registries";
import type { z } from "zod";

/**
 * Registry endpoints: the remote registries replication reads from and writes to (Harbor's
 * /registries). Administrators manage them; administrators and auditors read them. The secret is
 * sealed under WHARF_SECRET_KEY (lib/crypto/sealed-secret.ts) and never leaves this module: no
 * summary, audit row or message carries it; the replication engine gets a ready client endpoint
 * from `endpointConnection`.
 */

const SUMMARY_SELECT = {
  id: true,
  name: true,
  type: true,
  url: true,
  credentialType: true,
  username: true,
  insecure: true,
  caCertificate: true,
  description: true,
  status: true,
  statusMessage: true,
  statusCheckedAt: true,
  createdAt: true,
  updatedAt: true,
  secretSealed: true,
} as const satisfies Prisma.RegistryEndpointSelect;

type Row = Prisma.RegistryEndpointGetPayload<{ select: typeof SUMMARY_SELECT }>;

export type RegistryHealth = "healthy" | "unhealthy" | "unknown";

export type RegistrySummary = Omit<Row, "secretSealed" | "type" | "credentialType" | "status"> & {
  type: RegistryType;
  credentialType: CredentialType;
  status: RegistryHealth;
  /** Whether a password is stored (never the password). */
  hasSecret: boolean;
};

function toSummary({ secretSealed, ...row }: Row): RegistrySummary {
  return {
    ...row,
    type: row.type as RegistryType,
    credentialType: row.credentialType as CredentialType,
    status: row.status as RegistryHealth,
    hasSecret: secretSealed !== null,
  };
}

const sealContext = (id: number): SealContext => ({ purpose: "wharf registry endpoint secret v1", binding: `registry-endpoint:${id}`, what: `the password of registry endpoint ${id}` });

/** Parses with the shared schema; a failure is a 400 with a message per field, before anything is written. */
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

const resource = (r: { id?: number; name?: string }) => ({ type: "registry_endpoint", id: r.id ?? null, name: r.name ?? null });

/**
 * What an audit row says of an endpoint: never the secret, only whether one is set; of the CA
 * certificate only whether one is set (the PEM is public but long).
 */
function auditView(r: {
  name: string;
  type: string;
  url: string;
  credentialType: string;
  username: string;
  insecure: boolean;
  caCertificate: string | null;
  description: string;
}) {
  return {
    name: r.name,
    type: r.type,
    url: r.url,
    auth: r.credentialType,
    username: r.username,
    insecure: r.insecure,
    caCertificate: r.caCertificate !== null,
    description: r.description,
  };
}

function nameTaken(): ConflictError {
  return new ConflictError("A registry endpoint with that name already exists.", { name: ["This name is already used by another registry endpoint"] });
}

async function assertNameFree(tx: DbTransaction, name: string, exceptId?: number): Promise<void> {
  const clash = await tx.registryEndpoint.findFirst({ where: { name, ...(exceptId ? { id: { not: exceptId } } : {}) }, select: { id: true } });
  if (clash) throw nameTaken();
}

export async function createRegistry({ actor, input }: { actor: Actor; input: unknown }): Promise<RegistrySummary> {
  await assertSystemPermission(actor, "registry_endpoint.create", { type: "registry_endpoint", name: nameOf(input) }, "registry_endpoint.create");
  const data: TCreateRegistry = parse(ZCreateRegistry, input);
  try {
    return await db.$transaction(async (tx) => {
      await assertNameFree(tx, data.name);
      const created = await tx.registryEndpoint.create({
        data: {
          name: data.name,
          type: data.type,
          url: data.url,
          credentialType: data.credentialType,
          username: data.credentialType === "basic" ? data.username : "",
          insecure: data.insecure,
          caCertificate: data.caCertificate,
          description: data.description,
        },
        select: { id: true },
      });
      // The sealed secret is bound to the row id, known only now.
      const row = await tx.registryEndpoint.update({
        where: { id: created.id },
        data: { secretSealed: data.credentialType === "basic" && data.secret ? sealSecret(data.secret, sealContext(created.id)) : null },
        select: SUMMARY_SELECT,
      });
      await recordAuditEvent(tx, { actor, action: "registry_endpoint.create", resource: resource(row), detail: auditView(row) });
      return toSummary(row);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken();
    throw err;
  }
}

export async function updateRegistry({ actor, input }: { actor: Actor; input: unknown }): Promise<RegistrySummary> {
  const registryId = idOf(input);
  await assertSystemPermission(actor, "registry_endpoint.update", { type: "registry_endpoint", id: registryId }, "registry_endpoint.update");
  const data: TUpdateRegistry = parse(ZUpdateRegistry, input);
  try {
    return await db.$transaction(async (tx) => {
      const before = await tx.registryEndpoint.findUnique({ where: { id: data.registryId }, select: SUMMARY_SELECT });
      if (!before) throw new NotFoundError(`Registry endpoint ${data.registryId} does not exist.`);
      await assertNameFree(tx, data.name, data.registryId);
      const basic = data.credentialType === "basic";
      // The stored secret stays when none is sent; it goes with the switch to no credentials.
      const secretSealed = !basic ? null : data.secret ? sealSecret(data.secret, sealContext(before.id)) : before.secretSealed;
      if (basic && secretSealed === null) {
        throw new ValidationError("secret: Password is required for Basic credentials", { secret: ["Password is required for Basic credentials"] });
      }
      const connectionChanged =
        before.url !== data.url ||
        before.credentialType !== data.credentialType ||
        before.username !== data.username ||
        Boolean(data.secret) ||
        before.insecure !== data.insecure ||
        before.caCertificate !== data.caCertificate;
      const row = await tx.registryEndpoint.update({
        where: { id: before.id },
        data: {
          name: data.name,
          type: data.type,
          url: data.url,
          credentialType: data.credentialType,
          username: basic ? data.username : "",
          secretSealed,
          insecure: data.insecure,
          caCertificate: data.caCertificate,
          description: data.description,
          // A health check of other settings says nothing about these.
          ...(connectionChanged ? { status: "unknown", statusMessage: "", statusCheckedAt: null } : {}),
        },
        select: SUMMARY_SELECT,
      });
      await recordAuditEvent(tx, {
        actor,
        action: "registry_endpoint.update",
        resource: resource(row),
        detail: { before: auditView(before), after: auditView(row), passwordChanged: Boolean(basic && data.secret) },
      });
      return toSummary(row);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken();
    throw err;
  }
}

export async function deleteRegistry({ actor, registryId }: { actor: Actor; registryId: number }): Promise<void> {
  await assertSystemPermission(actor, "registry_endpoint.delete", { type: "registry_endpoint", id: registryId }, "registry_endpoint.delete");
  // Set inside the transaction when it is refused (read after it rolled back).
  const refusal: { name: string; reason: string | null } = { name: "", reason: null };
  try {
    await db.$transaction(async (tx) => {
      const row = await tx.registryEndpoint.findUnique({ where: { id: registryId }, select: SUMMARY_SELECT });
      if (!row) throw new NotFoundError(`Registry endpoint ${registryId} does not exist.`);
      // Harbor refuses the same: a policy would be left pointing at nothing. The foreign key
      // (Restrict) backs this up against a policy saved after the check.
      const users = await tx.replicationPolicy.findMany({ where: { endpointId: registryId }, select: { name: true }, orderBy: { name: "asc" }, take: 4 });
      if (users.length > 0) {
        const named = users.slice(0, 3).map((p) => `"${p.name}"`).join(", ") + (users.length > 3 ? " and others" : "");
        refusal.name = row.name;
        refusal.reason = `used by replication ${users.length === 1 ? "policy" : "policies"} ${named}`;
        throw inUse(refusal.reason);
      }
      // A proxy-cache project pulls through it for as long as the project exists.
      const proxies = await tx.project.findMany({ where: { proxyRegistryId: registryId }, select: { name: true }, orderBy: { name: "asc" }, take: 4 });
      if (proxies.length > 0) {
        const named = proxies.slice(0, 3).map((p) => `"${p.name}"`).join(", ") + (proxies.length > 3 ? " and others" : "");
        refusal.name = row.name;
        refusal.reason = `the upstream of proxy-cache ${proxies.length === 1 ? "project" : "projects"} ${named}`;
        throw inUse(refusal.reason);
      }
      await tx.registryEndpoint.delete({ where: { id: registryId }, select: { id: true } });
      await recordAuditEvent(tx, { actor, action: "registry_endpoint.delete", resource: resource(row), detail: auditView(row) });
    });
  } catch (err) {
    if (refusal.reason === null && isForeignKeyViolation(err)) refusal.reason = "used by a replication policy";
    const { name, reason } = refusal;
    if (reason === null) throw err;
    await recordRefusal({ actor, action: "registry_endpoint.delete", resource: { type: "registry_endpoint", id: registryId, name: name || null }, reason });
    throw err instanceof ConflictError ? err : inUse(reason);
  }
}

function inUse(reason: string): ConflictError {
  return new ConflictError(`The registry endpoint is ${reason}; change or delete ${reason.startsWith("the upstream") ? "those projects" : "those policies"} first. Nothing was deleted.`);
}

/** Postgres refusing a delete that a foreign key (Restrict) still points at: Prisma's P2003, or SQLSTATE 23503 from the driver. */
function isForeignKeyViolation(err: unknown): boolean {
  return someErrorInChain(err, (rec) => rec.code === "P2003" || rec.code === "23503" || rec.originalCode === "23503");
}

export type ListRegistriesQuery = { name?: { op: "exact" | "fuzzy"; value: string }; page: number; pageSize: number };

/** By name; `name` filters exactly or by substring. */
export async function listRegistries({ actor, query }: { actor: Actor; query: ListRegistriesQuery }): Promise<Page<RegistrySummary>> {
  await assertSystemPermission(actor, "registry_endpoint.list", { type: "registry_endpoint" });
  const where: Prisma.RegistryEndpointWhereInput = query.name ? { name: query.name.op === "exact" ? query.name.value : containsText(query.name.value) } : {};
  const [rows, total] = await db.$transaction([
    db.registryEndpoint.findMany({ where, select: SUMMARY_SELECT, orderBy: [{ name: "asc" }, { id: "asc" }], ...skipTake(query.page, query.pageSize) }),
    db.registryEndpoint.count({ where }),
  ]);
  return { rows: rows.map(toSummary), total, page: query.page, pageSize: query.pageSize };
}

/** The registry types an endpoint can have (Harbor's adapters), for those who may read endpoints. */
export async function listRegistryTypes({ actor }: { actor: Actor }): Promise<RegistryType[]> {
  await assertSystemPermission(actor, "registry_endpoint.list", { type: "registry_endpoint" });
  return [...REGISTRY_TYPES];
}

export async function getRegistry({ actor, registryId }: { actor: Actor; registryId: number }): Promise<RegistrySummary> {
  await assertSystemPermission(actor, "registry_endpoint.read", { type: "registry_endpoint", id: registryId });
  const row = await db.registryEndpoint.findUnique({ where: { id: registryId }, select: SUMMARY_SELECT });
  if (!row) throw new NotFoundError(`Registry endpoint ${registryId} does not exist.`);
  return toSummary(row);
}

/**
 * The projects of a Harbor or Wharf endpoint, through its REST API with the stored credentials and
 * TLS settings (remote-projects.ts), for administrators and auditors; a Docker Registry or Docker
 * Hub endpoint is a 409 (it has no projects), a remote that refuses or fails a 400 naming why.
 */
export async function listRemoteProjects({ actor, registryId }: { actor: Actor; registryId: number }): Promise<RemoteProjects> {
  await assertSystemPermission(actor, "registry_endpoint.read", { type: "registry_endpoint", id: registryId });
  const row = await db.registryEndpoint.findUnique({ where: { id: registryId }, select: SUMMARY_SELECT });
  if (!row) throw new NotFoundError(`Registry endpoint ${registryId} does not exist.`);
  return fetchRemoteProjects({ ...storedSettings(row), name: row.name, type: row.type as RegistryType });
}

function storedSettings(row: Row): ConnectionSettings {
  return {
    name: row.name,
    url: row.url,
    credentialType: row.credentialType as CredentialType,
    username: row.username,
    secret: row.secretSealed === null ? null : unsealSecret(row.secretSealed, sealContext(row.id)),
    insecure: row.insecure,
    caCertificate: row.caCertificate,
  };
}

export type PingResult = PingOutcome & { status: Exclude<RegistryHealth, "unknown"> };

/**
 * Test connection, of a stored endpoint (`registryId` alone), of a stored endpoint with some
 * settings changed (an edit form; an absent password is the stored one), or of settings not saved.
 * One `registry_endpoint.ping` row each (Wharf connected somewhere at the caller's request); a
 * stored endpoint tested as stored keeps the outcome as its health.
 */
export async function testRegistryConnection({ actor, input }: { actor: Actor; input: { registryId: number } | TPingRegistry | unknown }): Promise<PingResult> {
  const registryId = idOf(input);
  await assertSystemPermission(actor, "registry_endpoint.ping", { type: "registry_endpoint", id: registryId }, "registry_endpoint.ping");
  const raw = (input ?? {}) as Record<string, unknown>;
  const storedOnly = registryId !== null && Object.keys(raw).every((k) => k === "registryId");
  let stored: Row | null = null;
  if (registryId !== null) {
    stored = await db.registryEndpoint.findUnique({ where: { id: registryId }, select: SUMMARY_SELECT });
    if (!stored) throw new NotFoundError(`Registry endpoint ${registryId} does not exist.`);
  }
  let settings: ConnectionSettings;
  if (storedOnly && stored) {
    settings = storedSettings(stored);
  } else {
    const data = parse(ZPingRegistry, input);
    const keepSecret = stored !== null && !data.secret && data.credentialType === "basic";
    settings = {
      name: stored?.name,
      url: data.url,
      credentialType: data.credentialType,
      username: data.username,
      secret: keepSecret && stored ? storedSettings(stored).secret : (data.secret ?? null),
      insecure: data.insecure,
      caCertificate: data.caCertificate,
    };
    if (settings.credentialType === "basic" && !settings.secret) {
      throw new ValidationError("secret: Password is required for Basic credentials", { secret: ["Password is required for Basic credentials"] });
    }
  }
  const outcome = await pingRegistry(settings);
  const status = outcome.ok ? "healthy" : "unhealthy";
  await db.$transaction(async (tx) => {
    if (storedOnly && stored) {
      await tx.registryEndpoint.update({
        where: { id: stored.id },
        data: { status, statusMessage: outcome.message.slice(0, 1024), statusCheckedAt: new Date() },
        select: { id: true },
      });
    }
    await recordAuditEvent(tx, {
      actor,
      action: "registry_endpoint.ping",
      resource: stored ? resource(stored) : { type: "registry_endpoint", name: settings.url },
      detail: { url: settings.url, status, ...(outcome.ok ? {} : { failure: outcome.kind }), message: outcome.message },
    });
  });
  return { ...outcome, status };
}

/**
 * The client endpoint for a stored registry, for the replication engine (the system actor or an
 * administrator): the only way the password leaves the database, and only in memory.
 */
export async function endpointConnection({ actor, registryId }: { actor: Actor; registryId: number }): Promise<ClientEndpoint> {
  await assertSystemPermission(actor, "registry_endpoint.ping", { type: "registry_endpoint", id: registryId });
  const row = await db.registryEndpoint.findUnique({ where: { id: registryId }, select: SUMMARY_SELECT });
  if (!row) throw new NotFoundError(`Registry endpoint ${registryId} does not exist.`);
  try {
    return await connectionFor(storedSettings(row));
  } catch (err) {
    // The probe's fetch throws what fetch throws (refused, timed out, TLS, a port fetch will not
    // use): callers (the preview, a run's tasks) get the unavailability they already handle.
    if (err instanceof RegistryUnavailableError) throw err;
    throw new RegistryUnavailableError(row.url, deepestMessage(err), undefined, { cause: err, registry: `The registry endpoint ${row.name}` });
  }
}

/** The innermost cause's message: fetch's own ("fetch failed") says nothing. */
function deepestMessage(err: unknown): string {
  let current: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    message = current.message;
    current = current.cause;
  }
  return message;
}

function idOf(input: unknown): number | null {
  const id = (input as { registryId?: unknown } | null)?.registryId;
  return typeof id === "number" && Number.isInteger(id) && id > 0 ? id : null;
}

function nameOf(input: unknown): string | null {
  const name = (input as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name.slice(0, 255) : null;
}
