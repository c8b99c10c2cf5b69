import { z } from "zod";
import { isDigest, isValidRepositoryName, isValidTag } from "@/lib/registry/client";
import { ZId, ZPage, ZPageSize, ZSearchText } from "@/lib/validation/common";

/** A full repository name (`<project>/<path>`), Distribution's grammar. */
export const ZRepositoryName = z.string().trim().refine(isValidRepositoryName, "Not a repository name.");
export const ZDigest = z.string().trim().refine(isDigest, "Not a digest (sha256:<64 hex>).");
export const ZTagName = z.string().trim().refine(isValidTag, "Tags are 1–128 letters, digits, _ . - and start with a letter, digit or _.");
/** A manifest reference in a URL: a tag or a digest. */
export const ZReference = z.union([ZDigest, ZTagName]);

export const REPOSITORY_SORTS = ["name", "artifacts", "pulls", "lastPush"] as const;
export type RepositorySort = (typeof REPOSITORY_SORTS)[number];

/** The Repositories tab's query string. */
export const ZRepositoryListQuery = z.object({
  q: ZSearchText,
  sort: z.enum(REPOSITORY_SORTS).catch("name").default("name"),
  page: ZPage,
  pageSize: ZPageSize,
});

/** The Artifacts page's query string. */
export const ZArtifactListQuery = z.object({
  tagged: z.enum(["all", "tagged", "untagged"]).catch("all").default("all"),
  q: ZSearchText,
  page: ZPage,
  pageSize: ZPageSize,
});

/** The artifact detail page: `page` pages its tags (the shared Pagination writes `page`). */
export const ZArtifactDetailQuery = z.object({ page: ZPage });

export const DESCRIPTION_MAX = 64 * 1024;

export const ZUpdateDescription = z.object({
  projectId: ZId,
  repository: ZRepositoryName,
  description: z.string().max(DESCRIPTION_MAX, `At most ${DESCRIPTION_MAX} characters.`),
});

export const ZAddTag = z.object({ projectId: ZId, repository: ZRepositoryName, digest: ZDigest, tag: ZTagName });
export const ZDeleteTag = z.object({ projectId: ZId, repository: ZRepositoryName, tag: ZTagName });
export const ZDeleteArtifact = z.object({ projectId: ZId, repository: ZRepositoryName, digest: ZDigest });
export const ZDeleteRepository = z.object({ projectId: ZId, repository: ZRepositoryName });
