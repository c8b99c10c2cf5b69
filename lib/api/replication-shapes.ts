/**
 * Replication in Harbor's shapes (ReplicationPolicy, ReplicationFilter, ReplicationTrigger,
 * StartReplicationExecution, ReplicationExecution, ReplicationTask, RegistryProviderInfo) and the
 * mapping to and from the replication services' inputs and views. Wharf's extensions are marked
 * as such in each field's description: a filter's `kind` (`regex`, RE2 whole-string, besides
 * Harbor's `doublestar`) and a tag filter's `untagged`, a policy's `copy_parallelism`; the dry-run
 * preview and retry of the failed tasks have their own shapes.
 */
import { z } from "zod";
import { HARBOR_ZERO_TIME, type HarborRegistry, toHarborRegistry, ZHarborRegistry } from "@/lib/api/shapes";
import { ValidationError } from "@/lib/errors";
import { compilePattern, SELECTOR_DECORATIONS, SELECTOR_KINDS, type SelectorKind } from "@/lib/policy/selectors";
import type { RegistrySummary } from "@/lib/services/registries/registries";
import type { PlannedArtifact } from "@/lib/services/replication/plan";
import { MAX_COPY_PARALLELISM, REPLICATION_TRIGGERS, type ReplicationPolicyView } from "@/lib/services/replication/policies";
import type { ReplicationExecutionView, ReplicationTaskView } from "@/lib/services/replication/runs";

const dateTime = (description: string) => z.iso.datetime().describe(description);

// ---- requests ----------------------------------------------------------------------------------

export const FILTER_TYPES = ["name", "tag", "label", "resource"] as const;

export const ZReplicationFilterReq = z.object({
  type: z.enum(FILTER_TYPES, { error: "Must be name, tag, label or resource" }),
  value: z
    .union([z.string(), z.array(z.string())], { error: "Must be text (a list of label names for a label filter)" })
    .describe("name, tag: a pattern (empty: no filter); label: a list of label names (empty: no filter; `matches`: the artifact carries every one, `excludes`: it lacks at least one); resource: `image` or `artifact`."),
  decoration: z.enum(SELECTOR_DECORATIONS, { error: "Must be matches or excludes" }).optional().describe("`matches` (default) or `excludes`."),
  kind: z.enum(SELECTOR_KINDS, { error: "Must be doublestar or regex" }).optional().describe("Wharf's extension: `doublestar` (Harbor's, the default) or `regex` (RE2, matched against the whole name or tag)."),
  untagged: z
    .boolean({ error: "Must be true or false" })
    .optional()
    .describe("Wharf's extension, tag filters only: whether untagged artifacts are replicated. Default as Harbor: when the pattern selects the empty tag."),
});

/** A registry in a policy: the endpoint by `id`; id 0 (or the object left out) is Wharf itself. Other fields are ignored. */
const ZRegistryRef = z.object({ id: z.int({ error: "Must be an integer" }).min(0, "Must be 0 (Wharf) or a registry endpoint id") }).nullish();

export const ZReplicationPolicyReq = z.object({
  name: z.string({ error: "Enter a name" }),
  description: z.string({ error: "Must be text" }).optional(),
  src_registry: ZRegistryRef.describe("Pull: the endpoint to pull from. Push: Wharf itself (id 0 or absent)."),
  dest_registry: ZRegistryRef.describe("Push: the endpoint to push to. Pull: Wharf itself (id 0 or absent)."),
  dest_namespace: z.string({ error: "Must be text" }).nullish().describe("The destination namespace (a project name); empty: the source names are kept."),
  dest_namespace_replace_count: z
    .int({ error: "Must be an integer" })
    .nullish()
    .describe("Flattening with a destination namespace: -1 all levels but the last, 0 none (prefix), 1-3 levels; 1 when absent (Harbor's default in its UI)."),
  trigger: z
    .object({
      type: z.enum(REPLICATION_TRIGGERS, { error: "Must be manual, scheduled or event_based" }),
      trigger_settings: z.object({ cron: z.string({ error: "Must be text" }).optional() }).nullish(),
    })
    .nullish()
    .describe("`manual` when absent. `scheduled` needs `trigger_settings.cron` (5 fields UTC, or Harbor's 6 with seconds `0`); `event_based` (push policies) runs on each push and delete in Wharf."),
  filters: z.array(ZReplicationFilterReq, { error: "Must be a list of filters" }).max(FILTER_TYPES.length, "At most one filter of each type").nullish(),
  replicate_deletion: z.boolean({ error: "Must be true or false" }).optional(),
  deletion: z.boolean({ error: "Must be true or false" }).optional().describe("Harbor's deprecated name of `replicate_deletion`."),
  override: z.boolean({ error: "Must be true or false" }).optional().describe("Replace tags that point elsewhere at the destination (default true)."),
  enabled: z.boolean({ error: "Must be true or false" }).optional().describe("Default true."),
  speed: z.int({ error: "KB/s, or -1 for unlimited" }).nullish().describe("Bandwidth limit of the policy's copies in KB/s; -1, 0 or absent: unlimited."),
  copy_parallelism: z
    .int({ error: `From 1 to ${MAX_COPY_PARALLELISM}` })
    .optional()
    .describe(`Wharf's extension: artifacts copied at once (1-${MAX_COPY_PARALLELISM}); 4 on create, kept on update when absent.`),
});
export type ReplicationPolicyReq = z.infer<typeof ZReplicationPolicyReq>;

export const ZStartReplicationExecution = z.object({ policy_id: z.int({ error: "Must be a policy id" }).min(1, "Must be a policy id").max(2_147_483_647, "Must be a policy id") });

// ---- responses ---------------------------------------------------------------------------------

export const ZHarborReplicationFilter = z.object({
  type: z.enum(FILTER_TYPES),
  value: z.union([z.string(), z.array(z.string())]).describe("A string; for a label filter the list of label names."),
  decoration: z.enum(SELECTOR_DECORATIONS),
  kind: z.enum(SELECTOR_KINDS).optional().describe("Wharf's extension (name and tag filters): `doublestar` or `regex`."),
  untagged: z.boolean().optional().describe("Wharf's extension (tag filter): whether untagged artifacts are replicated."),
});

export const ZHarborReplicationPolicy = z.object({
  id: z.int(),
  name: z.string(),
  description: z.string(),
  src_registry: ZHarborRegistry.describe("Pull: the endpoint; push: Wharf itself (id 0, name `Local`)."),
  dest_registry: ZHarborRegistry.describe("Push: the endpoint; pull: Wharf itself (id 0, name `Local`)."),
  dest_namespace: z.string(),
  dest_namespace_replace_count: z.int(),
  trigger: z.object({ type: z.enum(REPLICATION_TRIGGERS), trigger_settings: z.object({ cron: z.string().describe("6 fields, seconds first (Harbor's); empty unless scheduled.") }) }),
  filters: z.array(ZHarborReplicationFilter),
  replicate_deletion: z.boolean(),
  deletion: z.boolean(),
  override: z.boolean(),
  enabled: z.boolean(),
  speed: z.int().describe("KB/s; -1: unlimited."),
  single_active_replication: z.boolean().describe("Always true: one execution of a policy at a time."),
  copy_parallelism: z.int().describe("Wharf's extension: artifacts copied at once."),
  creation_time: dateTime("When the policy was created."),
  update_time: dateTime("When the policy last changed."),
});
export type HarborReplicationPolicy = z.infer<typeof ZHarborReplicationPolicy>;

const EXECUTION_STATUSES = ["InProgress", "Succeed", "Failed", "Stopped"] as const;
const TASK_STATUSES = ["Pending", "InProgress", "Succeed", "Failed", "Stopped"] as const;

export const ZHarborReplicationExecution = z.object({
  id: z.int(),
  policy_id: z.int(),
  status: z.enum(EXECUTION_STATUSES),
  trigger: z.enum(REPLICATION_TRIGGERS),
  start_time: dateTime("When it started."),
  end_time: dateTime("When it ended (absent while in progress).").optional(),
  status_text: z.string(),
  total: z.int(),
  failed: z.int(),
  succeed: z.int(),
  in_progress: z.int().describe("Tasks pending or in progress."),
  stopped: z.int(),
  triggered_by: z.string().describe("Wharf's extension: who started it (a username, or system:<trigger>)."),
});

export const ZHarborReplicationTask = z.object({
  id: z.int(),
  execution_id: z.int(),
  status: z.enum(TASK_STATUSES),
  job_id: z.string().describe("The job run of the latest attempt (empty before the first)."),
  operation: z.string().describe("`copy`, `delete` (a replicated deletion) or `skip`."),
  resource_type: z.string().describe("`image` or `artifact`."),
  src_resource: z.string().describe("`<repository>:[<tags>]`, or `<repository>@<digest>` when untagged."),
  dst_resource: z.string(),
  start_time: dateTime("When its latest attempt started.").optional(),
  end_time: dateTime("When its latest attempt ended.").optional(),
  digest: z.string().describe("Wharf's extension: the artifact's digest."),
  tags: z.array(z.string()).describe("Wharf's extension: the tags it is replicated with."),
  reason: z.string().describe("Wharf's extension: why the plan chose the operation."),
  bytes: z.int().describe("Wharf's extension: bytes copied."),
  attempts: z.int().describe("Wharf's extension: attempts so far (a retry adds one)."),
});

export const ZReplicationPreviewItem = z.object({
  action: z.enum(["copy", "skip", "delete"]).describe("What a run started now would do with the artifact."),
  resource_type: z.enum(["image", "artifact"]),
  src_repository: z.string(),
  dst_repository: z.string(),
  artifact: z.string().describe("The artifact's digest."),
  tags: z.array(z.string()).describe("The tags it would be replicated with (empty: by digest)."),
  reason: z.string().describe("Why, in words."),
});

export const ZReplicationRetry = z.object({
  execution_id: z.int(),
  tasks: z.int().describe("Failed tasks queued again."),
});

export const ZRegistryProviderInfo = z.object({
  endpoint_pattern: z.object({
    endpoint_type: z.enum(["EndpointPatternTypeStandard", "EndpointPatternTypeFix"]),
    endpoints: z.array(z.object({ key: z.string(), value: z.string() })),
  }),
  credential_pattern: z.object({
    access_key_type: z.string(),
    access_key_data: z.string(),
    access_secret_type: z.string(),
    access_secret_data: z.string(),
  }),
});
export type RegistryProviderInfo = z.infer<typeof ZRegistryProviderInfo>;

// ---- to Harbor ---------------------------------------------------------------------------------

/** Wharf itself as Harbor shows the local side of a policy. */
export function localRegistry(externalUrl: string): HarborRegistry {
  return {
    id: 0,
    name: "Local",
    url: externalUrl,
    type: "wharf",
    credential: { type: "none", access_key: "", access_secret: "" },
    insecure: false,
    description: "This Wharf",
    status: "healthy",
    creation_time: HARBOR_ZERO_TIME,
    update_time: HARBOR_ZERO_TIME,
  };
}

const KB = 1024;

export function toHarborReplicationPolicy(p: ReplicationPolicyView, endpoint: RegistrySummary, externalUrl: string): HarborReplicationPolicy {
  const remote = toHarborRegistry(endpoint);
  const local = localRegistry(externalUrl);
  const filters: z.infer<typeof ZHarborReplicationFilter>[] = [];
  if (p.filters.name) filters.push({ type: "name", value: p.filters.name.pattern, decoration: p.filters.name.decoration, kind: p.filters.name.kind });
  if (p.filters.tag) filters.push({ type: "tag", value: p.filters.tag.pattern, decoration: p.filters.tag.decoration, kind: p.filters.tag.kind, untagged: p.filters.tag.untagged });
  if (p.filters.label) filters.push({ type: "label", value: [...p.filters.label.labels], decoration: p.filters.label.decoration });
  filters.push({ type: "resource", value: p.filters.resource, decoration: "matches" });
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    src_registry: p.direction === "pull" ? remote : local,
    dest_registry: p.direction === "pull" ? local : remote,
    dest_namespace: p.destNamespace ?? "",
    dest_namespace_replace_count: p.flattening,
    trigger: { type: p.trigger, trigger_settings: { cron: p.trigger === "scheduled" && p.cron ? `0 ${p.cron}` : "" } },
    filters,
    replicate_deletion: p.replicateDeletion,
    deletion: p.replicateDeletion,
    override: p.override,
    enabled: p.enabled,
    speed: p.bandwidthLimit === null ? -1 : Math.max(1, Math.round(p.bandwidthLimit / KB)),
    single_active_replication: true,
    copy_parallelism: p.copyParallelism,
    creation_time: p.createdAt.toISOString(),
    update_time: p.updatedAt.toISOString(),
  };
}

export function toHarborReplicationExecution(e: ReplicationExecutionView): z.infer<typeof ZHarborReplicationExecution> {
  return {
    id: e.id,
    policy_id: e.policyId,
    status: e.status as (typeof EXECUTION_STATUSES)[number],
    trigger: e.trigger as (typeof REPLICATION_TRIGGERS)[number],
    start_time: e.startedAt.toISOString(),
    ...(e.endedAt ? { end_time: e.endedAt.toISOString() } : {}),
    status_text: e.statusText ?? "",
    total: e.total,
    failed: e.failed,
    succeed: e.succeed,
    in_progress: e.inProgress,
    stopped: e.stopped,
    triggered_by: e.triggeredBy,
  };
}

const resourceName = (repository: string, tags: readonly string[], digest: string) => (tags.length ? `${repository}:[${tags.join(",")}]` : `${repository}@${digest}`);

export function toHarborReplicationTask(t: ReplicationTaskView): z.infer<typeof ZHarborReplicationTask> {
  return {
    id: t.id,
    execution_id: t.executionId,
    status: t.status as (typeof TASK_STATUSES)[number],
    job_id: t.runId === null ? "" : String(t.runId),
    operation: t.operation,
    resource_type: t.resourceType,
    src_resource: resourceName(t.srcRepository, t.tags, t.digest),
    dst_resource: resourceName(t.dstRepository, t.tags, t.digest),
    ...(t.startedAt ? { start_time: t.startedAt.toISOString() } : {}),
    ...(t.finishedAt ? { end_time: t.finishedAt.toISOString() } : {}),
    digest: t.digest,
    tags: t.tags,
    reason: t.reason,
    bytes: Number(t.bytes),
    attempts: t.attempts,
  };
}

export function toPreviewItem(p: PlannedArtifact): z.infer<typeof ZReplicationPreviewItem> {
  return { action: p.operation, resource_type: p.resourceType, src_repository: p.srcRepository, dst_repository: p.dstRepository, artifact: p.digest, tags: p.tags, reason: p.reason };
}

// ---- from Harbor -------------------------------------------------------------------------------

/** Harbor sends 6-field crons (seconds first, always 0); Wharf schedules on 5. */
function cronFromHarbor(cron: string | undefined): string | null {
  const text = (cron ?? "").trim();
  if (text === "") return null;
  const fields = text.split(/\s+/);
  return fields.length === 6 && fields[0] === "0" ? fields.slice(1).join(" ") : text;
}

/** Harbor's default for untagged artifacts under a tag filter: selected when the pattern selects the empty tag. */
function untaggedByDefault(kind: SelectorKind, pattern: string, excludes: boolean): boolean {
  try {
    return compilePattern(kind, pattern).test("") !== excludes;
  } catch {
    // A bad pattern: the service names it; the default does not matter.
    return false;
  }
}

/** Where each service field came from in the request, for error messages in Harbor's names. */
export type FieldNames = Record<string, string>;

/**
 * The service's input for a Harbor policy, and the Harbor names of its fields. Structural mistakes
 * (wrong types, two registries, two filters of one type) are refused here with Harbor's field
 * names; the rules of each value are the service's (its messages are renamed by the caller).
 */
export function policyInputFromHarbor(body: ReplicationPolicyReq, { creating }: { creating: boolean }): { input: Record<string, unknown>; fields: FieldNames } {
  const problems: string[] = [];
  const src = body.src_registry?.id ?? 0;
  const dest = body.dest_registry?.id ?? 0;
  let direction: "push" | "pull" = "push";
  let endpointId: number | undefined;
  const fields: FieldNames = { name: "name", description: "description", destNamespace: "dest_namespace", flattening: "dest_namespace_replace_count", override: "override" };
  if (src > 0 && dest > 0) problems.push("src_registry: one side of a policy is Wharf itself (id 0 or absent); give a registry endpoint only as src_registry (pull) or dest_registry (push)");
  else if (src > 0) {
    direction = "pull";
    endpointId = src;
    fields.endpointId = "src_registry.id";
  } else if (dest > 0) {
    endpointId = dest;
    fields.endpointId = "dest_registry.id";
  } else problems.push("dest_registry: choose the registry endpoint to push to (dest_registry.id) or to pull from (src_registry.id)");

  const filters: Record<string, unknown> = { name: null, tag: null, label: null, resource: "image" };
  const seen = new Set<string>();
  (body.filters ?? []).forEach((f, i) => {
    if (seen.has(f.type)) {
      problems.push(`filters[${i}].type: only one ${f.type} filter`);
      return;
    }
    seen.add(f.type);
    const decoration = f.decoration ?? "matches";
    if (f.untagged !== undefined && f.type !== "tag") problems.push(`filters[${i}].untagged: only for tag filters`);
    if (f.kind !== undefined && (f.type === "label" || f.type === "resource")) problems.push(`filters[${i}].kind: only for name and tag filters`);
    if (f.type === "label") {
      if (!Array.isArray(f.value)) {
        problems.push(`filters[${i}].value: a list of label names`);
        return;
      }
      // Harbor's forms send an empty list for no label filter.
      if (f.value.length === 0) return;
      filters.label = { decoration, labels: f.value };
      fields["filters.label"] = `filters[${i}]`;
      fields["filters.label.labels"] = `filters[${i}].value`;
      fields["filters.label.decoration"] = `filters[${i}].decoration`;
      return;
    }
    if (typeof f.value !== "string") {
      problems.push(`filters[${i}].value: must be text`);
      return;
    }
    if (f.type === "resource") {
      filters.resource = f.value;
      fields["filters.resource"] = `filters[${i}].value`;
      return;
    }
    // Harbor's forms send an empty pattern for a filter left blank: no filter.
    if (f.value.trim() === "") return;
    const kind = f.kind ?? "doublestar";
    filters[f.type] = {
      decoration,
      kind,
      pattern: f.value,
      ...(f.type === "tag" ? { untagged: f.untagged ?? untaggedByDefault(kind, f.value, decoration === "excludes") } : {}),
    };
    for (const key of ["pattern", "kind", "decoration", "untagged"]) fields[`filters.${f.type}.${key}`] = `filters[${i}].${key === "pattern" ? "value" : key}`;
    fields[`filters.${f.type}`] = `filters[${i}]`;
  });

  const speed = body.speed ?? -1;
  if (speed < -1) problems.push("speed: KB/s, or -1 for unlimited");
  fields.bandwidthLimit = "speed";
  fields.trigger = "trigger.type";
  fields.cron = "trigger.trigger_settings.cron";
  fields.replicateDeletion = body.replicate_deletion !== undefined || body.deletion === undefined ? "replicate_deletion" : "deletion";
  fields.enabled = "enabled";
  fields.copyParallelism = "copy_parallelism";
  if (problems.length) throw new ValidationError(problems.join("; "));

  return {
    input: {
      name: body.name,
      description: body.description ?? "",
      direction,
      endpointId,
      filters,
      destNamespace: body.dest_namespace ?? null,
      flattening: body.dest_namespace_replace_count ?? 1,
      override: body.override ?? true,
      replicateDeletion: body.replicate_deletion ?? body.deletion ?? false,
      trigger: body.trigger?.type ?? "manual",
      cron: cronFromHarbor(body.trigger?.trigger_settings?.cron),
      enabled: body.enabled ?? true,
      bandwidthLimit: speed > 0 ? speed * KB : null,
      // Absent on update: the service keeps the stored value.
      copyParallelism: body.copy_parallelism ?? (creating ? 4 : undefined),
    },
    fields,
  };
}

/** A service's field errors in the request's own (Harbor) names, as one 400. */
export function renameFieldErrors(error: unknown, fields: FieldNames): never {
  if (error instanceof ValidationError && Object.keys(error.fieldErrors).length > 0) {
    const rename = (key: string) => fields[key] ?? (key.startsWith("filters.") ? "filters" : key === "policy" ? "" : key);
    const parts = Object.entries(error.fieldErrors).map(([key, messages]) => {
      const name = rename(key);
      return name ? `${name}: ${messages.join(", ")}` : messages.join(", ");
    });
    throw new ValidationError(`${error.message} ${parts.join("; ")}`, error.fieldErrors);
  }
  throw error;
}

export function providerInfo(fixed: { key: string; value: string } | null): RegistryProviderInfo {
  return {
    endpoint_pattern: fixed ? { endpoint_type: "EndpointPatternTypeFix", endpoints: [fixed] } : { endpoint_type: "EndpointPatternTypeStandard", endpoints: [] },
    credential_pattern: { access_key_type: "AccessKeyTypeStandard", access_key_data: "", access_secret_type: "AccessSecretTypeStandard", access_secret_data: "" },
  };
}
