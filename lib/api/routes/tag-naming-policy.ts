/** `/projects/{project_name_or_id}/tagnamingpolicy`: Wharf's extension (Harbor has no naming policy). */
import { z } from "zod";
import { parseInput, readJsonObject } from "@/lib/api/body";
import { projectFromPath } from "@/lib/api/params";
import { ok, withApi } from "@/lib/api/with-api";
import { getNamingPolicy, setNamingPolicy } from "@/lib/services/tag-policy/rules";

export const ZTagNamingPolicyReq = z.object({
  pattern: z.string().describe("An RE2 regular expression every new tag must match as a whole, e.g. `[a-z]+-(dev|prod)-[0-9.]+`."),
  enabled: z.boolean().optional().describe("Default true; false keeps the pattern without enforcing it."),
});

export const ZTagNamingPolicy = z.object({
  pattern: z.string().nullable().describe("null: the project has no naming policy."),
  enabled: z.boolean(),
});

type ProjectParams = { project_name_or_id: string };

export const get = withApi<ProjectParams>(async ({ req, actor, params }) => {
  const ref = await projectFromPath(req, params.project_name_or_id);
  const policy = await getNamingPolicy({ actor, projectId: ref.id });
  const body: z.infer<typeof ZTagNamingPolicy> = policy ? { pattern: policy.pattern, enabled: policy.enabled } : { pattern: null, enabled: false };
  return Response.json(body);
});

export const put = withApi<ProjectParams>(async ({ req, actor, params }) => {
  const body = parseInput(ZTagNamingPolicyReq, await readJsonObject(req));
  const ref = await projectFromPath(req, params.project_name_or_id);
  await setNamingPolicy({ actor, projectId: ref.id, policy: body });
  return ok();
});

export const remove = withApi<ProjectParams>(async ({ req, actor, params }) => {
  const ref = await projectFromPath(req, params.project_name_or_id);
  await setNamingPolicy({ actor, projectId: ref.id, policy: null });
  return ok();
});
