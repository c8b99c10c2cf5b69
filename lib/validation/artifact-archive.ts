import { z } from "zod";
import { ARCHIVE_FORMATS, parsePlatform } from "@/lib/oci/archive";
import { isValidTag } from "@/lib/oci/reference";

/** An artifact download's options (REST query and the console's link). */
export const ZArtifactDownload = z.object({
  format: z.enum(ARCHIVE_FORMATS, { error: `format must be one of ${ARCHIVE_FORMATS.join(", ")}` }).default("docker-archive"),
  platform: z
    .string()
    .max(200)
    .refine((v) => parsePlatform(v) !== null, "platform must be os/architecture[/variant], e.g. linux/amd64")
    .optional(),
});
export type TArtifactDownload = z.input<typeof ZArtifactDownload>;

/** An image import's options (REST query and the console's form): the tag the imported image gets. */
export const ZArtifactImport = z.object({
  tag: z.string().refine(isValidTag, "tag must be a valid tag (letters, digits, _ . -, at most 128 characters, not starting with . or -)"),
});
export type TArtifactImport = z.input<typeof ZArtifactImport>;
