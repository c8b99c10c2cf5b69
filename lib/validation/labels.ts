import { z } from "zod";
import { multiLine, singleLine } from "@/lib/validation/common";

/**
 * Labels (Harbor's Label: name, colour, description), shared by the console forms, the REST API
 * (Harbor's JSON names are the same) and lib/services/labels. Pure: safe in the browser.
 */

export const LABEL_NAME_MAX = 128;

export const ZLabelName = singleLine(
  z.string({ error: "Name is required" }).trim().min(1, "Name is required").max(LABEL_NAME_MAX, `Name must be at most ${LABEL_NAME_MAX} characters`),
);

/** `#RRGGBB`, as Harbor's console picks them; kept as written. */
export const ZLabelColor = z
  .string({ error: "Colour is required" })
  .trim()
  .regex(/^#[0-9A-Fa-f]{6}$/, "Colour must be #RRGGBB, e.g. #2E7D32");

export const ZLabelInput = z.object({
  name: ZLabelName,
  color: ZLabelColor,
  description: multiLine(z.string().max(1024, "Description must be at most 1024 characters")).default(""),
});
export type LabelInput = z.input<typeof ZLabelInput>;
export type LabelParsed = z.output<typeof ZLabelInput>;

/** Harbor's scopes: `g` global, `p` a project's. */
export const LABEL_SCOPES = ["g", "p"] as const;
export type LabelScope = (typeof LABEL_SCOPES)[number];
