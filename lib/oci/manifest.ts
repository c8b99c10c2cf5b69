import { z } from "zod";
import { isDigest } from "./digest";
import { DOCKER_CONTAINER_CONFIG, isImageManifestMediaType, isIndexMediaType, OCI_IMAGE_CONFIG } from "./media-types";

/**
 * The one parser for what a registry stores as JSON: image manifests (OCI and Docker v2 schema 2),
 * indexes (OCI image index, Docker manifest list) and image configs, plus a walker over the
 * descriptors a manifest points at. Pure: no I/O, importable anywhere.
 *
 * Checks run in a fixed order and the first failure is reported (JSON, object, schemaVersion,
 * mediaType field, outline, descriptors), so each caller can map the failures it cares about.
 * Fields only shown to people (subject, annotations, artifactType, platform) are dropped when
 * malformed rather than failing the whole manifest.
 */

/** A media type is at most 255 characters (RFC 6838: type and subtype of 127 each, and the slash). */
const MEDIA_TYPE_MAX = 255;
/** Platform fields are short identifiers (amd64, linux, v8); longer values are not kept. */
const PLATFORM_FIELD_MAX = 64;

/** Distribution's own limit for a manifest body (4 MiB); real manifests are a few KiB. */
export const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;

export const descriptorSchema = z.object({
  mediaType: z.string().max(MEDIA_TYPE_MAX).optional(),
  digest: z.string().refine(isDigest, "not a digest"),
  size: z.number().int().nonnegative(),
  artifactType: z.string().max(MEDIA_TYPE_MAX).optional(),
  urls: z.array(z.string()).optional().catch(undefined),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

export const platformSchema = z.object({
  os: z.string().max(PLATFORM_FIELD_MAX).optional(),
  architecture: z.string().max(PLATFORM_FIELD_MAX).optional(),
  variant: z.string().max(PLATFORM_FIELD_MAX).optional(),
  "os.version": z.string().max(255).optional(),
});
export type Platform = z.infer<typeof platformSchema>;

const annotationsSchema = z.record(z.string(), z.string()).optional().catch(undefined);

const imageManifestSchema = z.object({
  mediaType: z.string().optional(),
  artifactType: z.string().max(MEDIA_TYPE_MAX).optional().catch(undefined),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.optional().catch(undefined),
  annotations: annotationsSchema,
});

const indexChildSchema = descriptorSchema.extend({ platform: platformSchema.optional().catch(undefined) });
export type IndexChild = z.infer<typeof indexChildSchema>;

const imageIndexSchema = z.object({
  mediaType: z.string().optional(),
  artifactType: z.string().max(MEDIA_TYPE_MAX).optional().catch(undefined),
  manifests: z.array(indexChildSchema),
  subject: descriptorSchema.optional().catch(undefined),
  annotations: annotationsSchema,
});

export type ImageManifest = { kind: "image" } & z.infer<typeof imageManifestSchema>;
export type ImageIndex = { kind: "index" } & z.infer<typeof imageIndexSchema>;
export type Manifest = ImageManifest | ImageIndex;

export type ManifestProblem = {
  code: "not-json" | "not-object" | "schema-version" | "media-type-mismatch" | "outline" | "descriptor";
  message: string;
};

export type ManifestParse = { ok: true; manifest: Manifest } | { ok: false; problem: ManifestProblem };

/** JSON from bytes; undefined when they are not JSON (or, with `fatal`, not UTF-8). */
export function decodeJson(bytes: Uint8Array, { fatal = true }: { fatal?: boolean } = {}): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal }).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Whether `mediaType` (the Content-Type it was stored or sent with) is an index: the type decides
 * when it is one of the four manifest types, the shape (a `manifests` list) otherwise.
 */
export function isIndexManifest(json: unknown, mediaType: string): boolean {
  if (isIndexMediaType(mediaType)) return true;
  if (isImageManifestMediaType(mediaType)) return false;
  return isObject(json) && Array.isArray(json.manifests);
}

export function parseManifestBytes(bytes: Uint8Array, mediaType: string): ManifestParse {
  const json = decodeJson(bytes);
  if (json === undefined) return problem("not-json", "The manifest is not valid JSON.");
  return parseManifest(json, mediaType);
}

export function parseManifest(json: unknown, mediaType: string): ManifestParse {
  if (!isObject(json)) return problem("not-object", "The manifest must be a JSON object.");
  if (json.schemaVersion !== 2) return problem("schema-version", "The manifest must have schemaVersion 2.");
  if (json.mediaType !== undefined && json.mediaType !== mediaType) {
    return problem("media-type-mismatch", `The manifest says mediaType ${JSON.stringify(json.mediaType)} but was sent as ${mediaType}.`);
  }
  if (isIndexManifest(json, mediaType)) {
    if (!Array.isArray(json.manifests)) return problem("outline", "An image index must list its manifests.");
    const parsed = imageIndexSchema.safeParse(json);
    return parsed.success ? { ok: true, manifest: { kind: "index", ...parsed.data } } : descriptorProblem(json, parsed.error);
  }
  if (!json.config || typeof json.config !== "object" || !Array.isArray(json.layers)) {
    return problem("outline", "An image manifest must have a config and a list of layers.");
  }
  const parsed = imageManifestSchema.safeParse(json);
  return parsed.success ? { ok: true, manifest: { kind: "image", ...parsed.data } } : descriptorProblem(json, parsed.error);
}

export type DescriptorRole = "config" | "layer" | "manifest" | "subject";
export type WalkedDescriptor = { role: DescriptorRole; position: number; descriptor: Descriptor | IndexChild };

/** Every descriptor a manifest points at, in order: config, layers, index children, subject. */
export function walkDescriptors(manifest: Manifest): WalkedDescriptor[] {
  const walked: WalkedDescriptor[] = [];
  if (manifest.kind === "image") {
    walked.push({ role: "config", position: 0, descriptor: manifest.config });
    for (const [position, descriptor] of manifest.layers.entries()) walked.push({ role: "layer", position, descriptor });
  } else {
    for (const [position, descriptor] of manifest.manifests.entries()) walked.push({ role: "manifest", position, descriptor });
  }
  if (manifest.subject) walked.push({ role: "subject", position: 0, descriptor: manifest.subject });
  return walked;
}

/**
 * A layer stored elsewhere by design (Docker foreign layers, OCI non-distributable layers, with
 * the URLs to fetch it from): a registry does not hold its blob.
 */
export function isNonDistributable(descriptor: Descriptor): boolean {
  return /foreign|nondistributable/.test(descriptor.mediaType ?? "") && descriptor.urls !== undefined;
}

const historyEntrySchema = z.object({
  created: z.string().optional().catch(undefined),
  created_by: z.string().optional().catch(undefined),
  comment: z.string().optional().catch(undefined),
  empty_layer: z.boolean().optional().catch(undefined),
});

/** The image config attributes Wharf shows; every field optional, wrong types dropped. */
const imageConfigSchema = z.object({
  os: z.string().max(PLATFORM_FIELD_MAX).optional().catch(undefined),
  architecture: z.string().max(PLATFORM_FIELD_MAX).optional().catch(undefined),
  variant: z.string().max(PLATFORM_FIELD_MAX).optional().catch(undefined),
  created: z.string().optional().catch(undefined),
  author: z.string().optional().catch(undefined),
  history: z.array(historyEntrySchema).optional().catch(undefined),
});
export type ImageConfig = z.infer<typeof imageConfigSchema>;

/** An image config blob; null when it is not a JSON object. Config blobs are not checked by the
 *  registry, so bytes that are not UTF-8 are decoded with replacement characters, not refused. */
export function parseImageConfig(bytes: Uint8Array): ImageConfig | null {
  const parsed = imageConfigSchema.safeParse(decodeJson(bytes, { fatal: false }));
  return parsed.success ? parsed.data : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

function problem(code: ManifestProblem["code"], message: string): { ok: false; problem: ManifestProblem } {
  return { ok: false, problem: { code, message } };
}

/** Names the first bad descriptor field, with the value found there. */
function descriptorProblem(json: Record<string, unknown>, error: z.ZodError): { ok: false; problem: ManifestProblem } {
  const path = error.issues[0]?.path ?? [];
  let value: unknown = json;
  for (const key of path) value = isObject(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  if (path.at(-1) === "digest") return problem("descriptor", `The manifest lists an invalid digest ${JSON.stringify(value)}.`);
  const where = path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join("");
  return problem("descriptor", `The manifest has an invalid ${where || "descriptor"}: ${error.issues[0]?.message ?? "unexpected shape"}.`);
}

/**
 * Whether a parsed manifest is a container image (or an index of them) rather than an artifact
 * about one or of another kind: no subject, no artifact type, and an image config.
 */
export function isContainerImage(manifest: Manifest): boolean {
  if (manifest.subject || manifest.artifactType) return false;
  return manifest.kind === "index" || manifest.config.mediaType === OCI_IMAGE_CONFIG || manifest.config.mediaType === DOCKER_CONTAINER_CONFIG;
}
