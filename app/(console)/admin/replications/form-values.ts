import type { ReplicationPolicyView } from "@/lib/services/replication/policies";

type Selector = { decoration: "matches" | "excludes"; kind: "doublestar" | "regex"; pattern: string };

/** What the policy form edits: text as typed (numbers too), so a refused value stays in its field. */
export type PolicyFormValues = {
  name: string;
  description: string;
  direction: "push" | "pull";
  endpointId: string;
  repositories: Selector;
  tags: Selector & { untagged: boolean };
  /** The label filter: names as typed, comma-separated (empty: no label filter). */
  labelDecoration: "matches" | "excludes";
  labelNames: string;
  resource: "image" | "artifact";
  destNamespace: string;
  flattening: string;
  override: boolean;
  replicateDeletion: boolean;
  trigger: "manual" | "scheduled" | "event_based";
  cron: string;
  bandwidthLimit: string;
  copyParallelism: string;
  enabled: boolean;
};

export type EndpointOption = { id: number; name: string; url: string };

/** A new policy starts from the service's defaults. */
export const NEW_POLICY: PolicyFormValues = {
  name: "",
  description: "",
  direction: "push",
  endpointId: "",
  repositories: { decoration: "matches", kind: "doublestar", pattern: "" },
  tags: { decoration: "matches", kind: "doublestar", pattern: "", untagged: true },
  labelDecoration: "matches",
  labelNames: "",
  resource: "image",
  destNamespace: "",
  flattening: "1",
  override: true,
  replicateDeletion: false,
  trigger: "manual",
  cron: "",
  bandwidthLimit: "",
  copyParallelism: "4",
  enabled: true,
};

/** A stored policy as the form shows it (no filter: an empty pattern). */
export function formValuesOf(p: ReplicationPolicyView): PolicyFormValues {
  return {
    name: p.name,
    description: p.description,
    direction: p.direction,
    endpointId: String(p.endpoint.id),
    repositories: p.filters.name ?? NEW_POLICY.repositories,
    tags: p.filters.tag ?? NEW_POLICY.tags,
    labelDecoration: p.filters.label?.decoration ?? "matches",
    labelNames: p.filters.label?.labels.join(", ") ?? "",
    resource: p.filters.resource,
    destNamespace: p.destNamespace ?? "",
    flattening: String(p.flattening),
    override: p.override,
    replicateDeletion: p.replicateDeletion,
    trigger: p.trigger,
    cron: p.cron ?? "",
    bandwidthLimit: p.bandwidthLimit === null ? "" : String(p.bandwidthLimit),
    copyParallelism: String(p.copyParallelism),
    enabled: p.enabled,
  };
}
