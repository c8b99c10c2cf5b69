import { isDigest } from "./digest";

/**
 * Distribution's reference grammar (docker/distribution reference/regexp.go): repository names,
 * tags, and the `name:tag` / `name@digest` forms.
 */

const REPOSITORY_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
export const REPOSITORY_NAME_MAX = 255;
const TAG_RE = /^[\w][\w.-]{0,127}$/;

export function isValidRepositoryName(name: string): boolean {
  return name.length <= REPOSITORY_NAME_MAX && REPOSITORY_RE.test(name);
}

/** 1–128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`. */
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** A manifest reference: a tag or a digest. */
export function isReference(reference: string): boolean {
  return isDigest(reference) || isValidTag(reference);
}

/** `name@digest` for a digest, `name:tag` for a tag. */
export function formatReference(repository: string, reference: string): string {
  return `${repository}${isDigest(reference) ? "@" : ":"}${reference}`;
}

export type ParsedReference = { repository: string; tag: string; digest: null } | { repository: string; tag: null; digest: string };

/**
 * `name:tag` or `name@digest` (exactly one of them; a repository name holds no `:` or `@`, so the
 * last one splits it). Null for anything else, a bare name included.
 */
export function parseReference(value: string): ParsedReference | null {
  const at = value.lastIndexOf("@");
  if (at >= 0) {
    const repository = value.slice(0, at);
    const digest = value.slice(at + 1);
    return isValidRepositoryName(repository) && isDigest(digest) ? { repository, tag: null, digest } : null;
  }
  const colon = value.lastIndexOf(":");
  if (colon < 0) return null;
  const repository = value.slice(0, colon);
  const tag = value.slice(colon + 1);
  return isValidRepositoryName(repository) && isValidTag(tag) ? { repository, tag, digest: null } : null;
}
