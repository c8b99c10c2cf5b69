import { z } from "zod";
import { isDigest } from "@/lib/oci/digest";
import { isValidRepositoryName, isValidTag, parseReference } from "@/lib/oci/reference";
import { multiLine, singleLine, ZId, ZSearchText } from "@/lib/validation/common";
import { ZConsolePaging } from "@/lib/validation/pagination";

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
  ...ZConsolePaging.shape,
});

/** The Artifacts page's query string. */
export const ZArtifactListQuery = z.object({
  tagged: z.enum(["all", "tagged", "untagged"]).catch("all").default("all"),
  q: ZSearchText,
  /** A label id: only artifacts carrying it (anything else in the URL reads as no label filter). */
  label: ZId.optional().catch(undefined),
  ...ZConsolePaging.shape,
});

/** The artifact detail page: `page` pages its tags (the shared Pagination writes `page`). */
export const ZArtifactDetailQuery = ZConsolePaging.pick({ page: true });

export const DESCRIPTION_MAX = 64 * 1024;

export const ZUpdateDescription = z.object({
  projectId: ZId,
  repository: ZRepositoryName,
  description: multiLine().max(DESCRIPTION_MAX, `At most ${DESCRIPTION_MAX} characters.`),
});

export const ZAddTag = z.object({ projectId: ZId, repository: ZRepositoryName, digest: ZDigest, tag: ZTagName });
export const ZDeleteTag = z.object({ projectId: ZId, repository: ZRepositoryName, tag: ZTagName });
export const ZDeleteArtifact = z.object({ projectId: ZId, repository: ZRepositoryName, digest: ZDigest });
export const ZDeleteRepository = z.object({ projectId: ZId, repository: ZRepositoryName });
/** The artifact page's Scan buttons: a vulnerability scan (default) or an SBOM by the project's scanner. */
export const ZStartArtifactScanForm = z.object({
  projectId: ZId,
  repository: ZRepositoryName,
  digest: ZDigest,
  scanType: z.enum(["vulnerability", "sbom"]).default("vulnerability"),
});

/**
 * Harbor's copy source `from`: `<project>/<repository>:<tag>` or `<project>/<repository>@<digest>`
 * (a repository name holds no `:` or `@`, so the last one splits it). Null when it is neither.
 */
export function parseArtifactRef(value: string): { repository: string; reference: string } | null {
  const parsed = parseReference(value);
  if (!parsed || !parsed.repository.includes("/")) return null;
  return { repository: parsed.repository, reference: parsed.digest ?? parsed.tag };
}

const COPY_FROM_MESSAGE = "Expected <project>/<repository>:<tag> or <project>/<repository>@sha256:<64 hex>.";

/**
 * Copy an artifact (Harbor's `POST .../artifacts?from=`; the console's Copy form): the source,
 * the destination project (by name) and repository inside it, and an optional tag. The REST API
 * leaves `tag` out (the copy keeps the source's tag, untagged for a digest).
 */
export const ZCopyArtifact = z
  .object({
    from: z
      .string({ error: "is required" })
      .trim()
      .min(1, "is required")
      .transform((value, ctx) => {
        const ref = parseArtifactRef(value);
        if (!ref) {
          ctx.addIssue({ code: "custom", message: COPY_FROM_MESSAGE });
          return z.NEVER;
        }
        return ref;
      }),
    project: singleLine(z.string({ error: "Choose a project." }).trim()).min(1, "Choose a project."),
    repository: z
      .string({ error: "Enter a repository name." })
      .trim()
      .min(1, "Enter a repository name.")
      .refine((name) => isValidRepositoryName(`p/${name}`), "Lowercase letters and digits, separated by . _ - or /."),
    tag: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), ZTagName.optional()),
  })
  .refine((v) => `${v.project}/${v.repository}`.length <= 255, { path: ["repository"], message: "The full name is longer than 255 characters." });
export type TCopyArtifact = z.output<typeof ZCopyArtifact>;
