import { z } from "zod";
import {
  compileRepositorySelector,
  compileTagSelector,
  labelNamesSchema,
  repositorySelectorSchema,
  tagSelectorSchema,
  type RepositorySelector,
  type TagSelector,
} from "./selectors";

/**
 * Replication source filters (Harbor's name, tag, label and resource filters), built on the
 * same selectors as retention. Unlike retention, the name filter matches the FULL repository name
 * with the project (`library/**`), as Harbor's replication does: a policy picks repositories across
 * projects. The tag filter works tag by tag: an artifact is copied with only its selected tags.
 */

export const REPLICATION_RESOURCES = ["image", "artifact"] as const;
/** `image`: container images only; `artifact`: every artifact (signatures, SBOMs, charts, …). */
export type ReplicationResource = (typeof REPLICATION_RESOURCES)[number];

/**
 * Harbor's replication label filter: `matches` selects an artifact carrying every named label,
 * `excludes` one that lacks at least one of them (Harbor's artifactLabelFilter, which negates the
 * "all present" test; unlike retention's `withoutLabels`, which wants none of them).
 */
export type ReplicationLabelFilter = { decoration: "matches" | "excludes"; labels: string[] };

export const replicationLabelFilterSchema = z.object({
  decoration: z.enum(["matches", "excludes"], { error: "Choose matching or excluding." }),
  labels: labelNamesSchema,
});

export type ReplicationFilter = {
  /** Null: every repository. */
  name: RepositorySelector | null;
  /** Null: every artifact, tagged or not, with all its tags. */
  tag: TagSelector | null;
  /** Absent or null: labels do not matter. */
  label?: ReplicationLabelFilter | null;
  resource: ReplicationResource;
};

export const replicationFilterSchema = z.object({
  name: repositorySelectorSchema.nullable().default(null),
  tag: tagSelectorSchema.nullable().default(null),
  // Absent in filters stored before labels existed.
  label: replicationLabelFilterSchema.nullable().default(null),
  resource: z.enum(REPLICATION_RESOURCES, { error: "Choose images or all artifacts." }).default("image"),
});
export type ReplicationFilterInput = z.input<typeof replicationFilterSchema>;

export type ReplicationCandidate = {
  /** Full name with the project. */
  repository: string;
  tags: readonly string[];
  /** Whether the artifact is a container image (or an index of images). */
  image: boolean;
  /** The names of its labels; absent: none (a remote source's artifacts carry none Wharf knows). */
  labels?: readonly string[];
};

export type ReplicationSelection = { selected: false } | { selected: true; tags: string[] };

/**
 * Compiles a filter once; `select` says whether an artifact is replicated and with which of its
 * tags. An untagged artifact is selected when there is no tag filter or the filter's `untagged` is
 * on; a tagged one when at least one tag is selected.
 */
export function compileReplicationFilter(filter: ReplicationFilter): { select: (candidate: ReplicationCandidate) => ReplicationSelection } {
  const name = filter.name ? compileRepositorySelector(filter.name) : null;
  const tag = filter.tag ? compileTagSelector(filter.tag) : null;
  const untagged = filter.tag ? filter.tag.untagged : true;
  const label = filter.label ?? null;
  const hasAllLabels = (labels: readonly string[]) => {
    const has = new Set(labels);
    return label!.labels.every((l) => has.has(l));
  };
  return {
    select(candidate) {
      if (filter.resource === "image" && !candidate.image) return { selected: false };
      if (name && !name.selects(candidate.repository)) return { selected: false };
      if (label && hasAllLabels(candidate.labels ?? []) !== (label.decoration === "matches")) return { selected: false };
      if (candidate.tags.length === 0) return untagged ? { selected: true, tags: [] } : { selected: false };
      const tags = tag ? candidate.tags.filter(tag.selectsTag) : [...candidate.tags];
      return tags.length > 0 ? { selected: true, tags } : { selected: false };
    },
  };
}
