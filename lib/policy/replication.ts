import { z } from "zod";
import {
  compileRepositorySelector,
  compileTagSelector,
  repositorySelectorSchema,
  tagSelectorSchema,
  type RepositorySelector,
  type TagSelector,
} from "./selectors";

/**
 * Replication source filters (Harbor's name, tag and resource filters; labels later), built on the
 * same selectors as retention. Unlike retention, the name filter matches the FULL repository name
 * with the project (`library/**`), as Harbor's replication does: a policy picks repositories across
 * projects. The tag filter works tag by tag: an artifact is copied with only its selected tags.
 */

export const REPLICATION_RESOURCES = ["image", "artifact"] as const;
/** `image`: container images only; `artifact`: every artifact (signatures, SBOMs, charts, …). */
export type ReplicationResource = (typeof REPLICATION_RESOURCES)[number];

export type ReplicationFilter = {
  /** Null: every repository. */
  name: RepositorySelector | null;
  /** Null: every artifact, tagged or not, with all its tags. */
  tag: TagSelector | null;
  resource: ReplicationResource;
};

export const replicationFilterSchema = z.object({
  name: repositorySelectorSchema.nullable().default(null),
  tag: tagSelectorSchema.nullable().default(null),
  resource: z.enum(REPLICATION_RESOURCES, { error: "Choose images or all artifacts." }).default("image"),
});
export type ReplicationFilterInput = z.input<typeof replicationFilterSchema>;

export type ReplicationCandidate = {
  /** Full name with the project. */
  repository: string;
  tags: readonly string[];
  /** Whether the artifact is a container image (or an index of images). */
  image: boolean;
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
  return {
    select(candidate) {
      if (filter.resource === "image" && !candidate.image) return { selected: false };
      if (name && !name.selects(candidate.repository)) return { selected: false };
      if (candidate.tags.length === 0) return untagged ? { selected: true, tags: [] } : { selected: false };
      const tags = tag ? candidate.tags.filter(tag.selectsTag) : [...candidate.tags];
      return tags.length > 0 ? { selected: true, tags } : { selected: false };
    },
  };
}
