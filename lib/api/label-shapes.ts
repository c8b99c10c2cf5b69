/**
 * Harbor's Label (GET/POST/PUT /labels, and `labels` in an Artifact), the request body of
 * POST/PUT /labels and of POST …/artifacts/{reference}/labels, and the mapper from the service's view.
 */
import { z } from "zod";
import type { LabelView } from "@/lib/services/labels/labels";

export const ZHarborLabel = z
  .object({
    id: z.int(),
    name: z.string(),
    description: z.string(),
    color: z.string().describe("`#RRGGBB`."),
    scope: z.enum(["g", "p"]).describe("`g` global (administrators manage it, any artifact may carry it), `p` a project's."),
    project_id: z.int().describe("The project of a `p` label; 0 for a global one, as Harbor."),
    creation_time: z.iso.datetime(),
    update_time: z.iso.datetime(),
  })
  .describe("Label");
export type HarborLabel = z.infer<typeof ZHarborLabel>;

/** Harbor's Label as a request: POST needs name and colour (and `project_id` with scope `p`); PUT changes what it gives. */
export const ZLabelReq = z.object({
  id: z.number().nullish(),
  name: z.string({ error: "Must be text" }).optional(),
  description: z.string({ error: "Must be text" }).nullish(),
  color: z.string({ error: "Must be text" }).optional(),
  scope: z.enum(["g", "p"], { error: "Must be g (global) or p (project)" }).optional(),
  project_id: z.number({ error: "Must be a number" }).int().nullish(),
  deleted: z.boolean().nullish(),
  creation_time: z.string().nullish(),
  update_time: z.string().nullish(),
});
export type LabelReq = z.infer<typeof ZLabelReq>;

/** POST …/artifacts/{reference}/labels: Harbor's Label, of which only `id` counts. */
export const ZArtifactLabelReq = z.object({ id: z.number({ error: "Must be a label id" }).int().positive("Must be a label id") }).loose();

export function toHarborLabel(l: LabelView): HarborLabel {
  return {
    id: l.id,
    name: l.name,
    description: l.description,
    color: l.color,
    scope: l.scope,
    project_id: l.projectId ?? 0,
    creation_time: l.createdAt.toISOString(),
    update_time: l.updatedAt.toISOString(),
  };
}
