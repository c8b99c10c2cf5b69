/**
 * `/robots` and `/robots/{robot_id}` in Harbor's shapes (Robot, RobotCreate, RobotCreated, RobotSec).
 * A robot's secret leaves Wharf exactly twice: in the answer to POST (create) and PATCH (refresh).
 */
import { z } from "zod";
import { parseInput, parseInputs, readJsonObject } from "@/lib/api/body";
import { locationUnder, pathId } from "@/lib/api/params";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { harborQ, parseQuery } from "@/lib/api/query";
import { accessPermissions, numeric, ZRobotCreateReq, ZRobotSecReq, ZRobotUpdateReq, type RobotPermissionReq } from "@/lib/api/requests";
import { expiresAtSeconds, type HarborRobotCreated, type HarborRobotSec, toHarborRobot } from "@/lib/api/shapes";
import { ok, withApi } from "@/lib/api/with-api";
import { ValidationError } from "@/lib/errors";
import { findProjectRef } from "@/lib/services/authz/project-access";
import {
  createProjectRobot,
  createSystemRobot,
  deleteRobot,
  getRobot,
  listRobots,
  refreshRobotSecret,
  updateRobot,
  type RobotWithSecret,
} from "@/lib/services/robots/robots";
import { ROBOT_NAME_PREFIX } from "@/lib/services/robots/robot-secret";
import { ZCreateProjectRobot, ZCreateSystemRobot, ZRobotDuration } from "@/lib/validation/robots";

type RobotParams = { robot_id: string };

/** Harbor's default robot_token_duration when `duration` is omitted: 30 days. */
const DEFAULT_DURATION_DAYS = 30;

const ROBOT_FIELDS = { durationDays: "duration", grants: "permissions", permissions: "permissions[0].access" } as const;

/**
 * No `q` (or `q=Level=system`): system robots, for admins and auditors.
 * `q=Level=project,ProjectID=<id>`: that project's robots, for those who may list them.
 * Keys as Harbor's q takes them, in any case: `Level`/`level`, `ProjectID`/`project_id`, and
 * `name=<name>` (the login name, with or without `robot$`) or `name=~<text>` (contains).
 */
export const list = withApi(async ({ url, actor }) => {
  const paging = parsePaging(url.searchParams);
  const terms = parseQuery(harborQ(url.searchParams), { level: ["exact"], projectid: ["exact"], project_id: ["exact"], name: ["exact", "fuzzy"] });
  if (terms.has("projectid") && terms.has("project_id")) throw new ValidationError("q: give the project as ProjectID or project_id, not both");
  const projectIdText = (terms.get("projectid") ?? terms.get("project_id"))?.value;
  const level = terms.get("level")?.value.toLowerCase() ?? (projectIdText !== undefined ? "project" : "system");
  let projectId: number | null = null;
  if (level === "project") {
    if (!projectIdText) throw new ValidationError("q: Level=project needs ProjectID=<project id>");
    projectId = pathId(projectIdText, "ProjectID");
  } else if (level !== "system" || projectIdText !== undefined) {
    throw new ValidationError("q: use Level=system, or Level=project,ProjectID=<project id>");
  }
  const page = await listRobots({ actor, projectId, name: terms.get("name"), page: paging.page, pageSize: paging.pageSize });
  return listResponse(url, page.rows.map(toHarborRobot), page.total, paging);
});

function createdRobot(url: URL, { robot, secret }: RobotWithSecret): Response {
  const body: HarborRobotCreated = {
    id: robot.id,
    name: robot.name,
    secret,
    creation_time: robot.createdAt.toISOString(),
    expires_at: expiresAtSeconds(robot.expiresAt),
  };
  return Response.json(body, { status: 201, headers: { Location: locationUnder(url, robot.id) } });
}

/**
 * RobotCreate. `level: "project"`: one permission entry whose namespace is the project's name.
 * `level: "system"`: entries of kind "project" for named projects or "*" (every project); admins
 * only. `duration` in days, -1 for never, 30 when omitted. 201 with RobotCreated (the secret).
 */
export const create = withApi(async ({ req, url, actor }) => {
  const raw = await readJsonObject(req);
  const common = {
    name: raw.name,
    description: raw.description ?? "",
    durationDays: numeric(raw.duration) ?? DEFAULT_DURATION_DAYS,
  };
  const [body, fields] = parseInputs(
    [ZRobotCreateReq, raw],
    [ZCreateSystemRobot.pick({ name: true, description: true, durationDays: true }), common, ROBOT_FIELDS],
  );
  if (body.level === "project") {
    // ZRobotCreateReq guarantees exactly one entry for project robots.
    const perm = body.permissions[0] as RobotPermissionReq;
    const input = parseInput(ZCreateProjectRobot.omit({ projectId: true }), { ...fields, permissions: accessPermissions(perm) }, ROBOT_FIELDS);
    const project = await findProjectRef(perm.namespace, { byName: true });
    return createdRobot(url, await createProjectRobot({ actor, input: { ...input, projectId: project.id } }));
  }
  const grants = new Map<string, { namespace: string; permission: string }>();
  for (const perm of body.permissions) {
    for (const permission of accessPermissions(perm)) grants.set(`${perm.namespace}\0${permission}`, { namespace: perm.namespace, permission });
  }
  const input = parseInput(ZCreateSystemRobot, { ...fields, grants: [...grants.values()] }, ROBOT_FIELDS);
  return createdRobot(url, await createSystemRobot({ actor, input }));
});

/** Never includes the secret. */
export const get = withApi<RobotParams>(async ({ actor, params }) => {
  return Response.json(toHarborRobot(await getRobot({ actor, robotId: pathId(params.robot_id, "robot_id") })));
});

/**
 * Harbor's RefreshSec: `{}` (or an empty `secret`) generates a new secret; a `secret` of the
 * caller's choosing is taken when it meets Harbor's secret policy (else 400 naming `secret`).
 * Either way it is answered once as RobotSec, as Harbor does.
 */
export const refresh = withApi<RobotParams>(async ({ req, actor, params }) => {
  const robotId = pathId(params.robot_id, "robot_id");
  const body = parseInput(ZRobotSecReq, await readJsonObject(req));
  const { secret } = await refreshRobotSecret({ actor, robotId, secret: body.secret || undefined });
  return Response.json({ secret } satisfies HarborRobotSec);
});

/** The fields of Harbor's Robot that PUT may change, checked by the rules robots are created under. */
const ZRobotChanges = z.object({
  description: ZCreateProjectRobot.shape.description.removeDefault().optional(),
  durationDays: ZRobotDuration.optional(),
});

/**
 * Harbor's UpdateRobot: the whole Robot as GET answered it, with description, duration,
 * permissions and disable possibly changed (the service writes what differs, one audit row).
 * name and level cannot change (400), as in Harbor; a project robot's permissions stay in its
 * project; a permission the caller does not hold is refused (403).
 */
export const update = withApi<RobotParams>(async ({ req, actor, params }) => {
  const robotId = pathId(params.robot_id, "robot_id");
  const [body, fields] = await readJsonObject(req).then((raw) =>
    parseInputs([ZRobotUpdateReq, raw], [ZRobotChanges, { description: raw.description ?? undefined, durationDays: numeric(raw.duration ?? undefined) }, ROBOT_FIELDS]),
  );
  const current = await getRobot({ actor, robotId });
  const unchangeable: string[] = [];
  // Harbor's GET answers the login name; a client may also send the name it created the robot with.
  const bare = current.name.slice(ROBOT_NAME_PREFIX.length);
  const names = [current.name, bare, bare.slice(bare.indexOf("+") + 1)];
  if (body.name != null && !names.includes(body.name)) unchangeable.push("name");
  if (body.level != null && body.level !== current.level) unchangeable.push("level");
  if (unchangeable.length) throw new ValidationError(unchangeable.map((f) => `${f}: cannot be changed; create a new robot instead`).join("; "));
  const grants = body.permissions?.flatMap((perm) =>
    accessPermissions(perm).map((permission) => {
      const [resource, action] = permission.split(":") as [string, string];
      return { namespace: perm.namespace, resource, action };
    }),
  );
  await updateRobot({ actor, robotId, changes: { description: fields.description, durationDays: fields.durationDays, grants, disabled: body.disable } });
  return ok();
});

export const remove = withApi<RobotParams>(async ({ actor, params }) => {
  await deleteRobot({ actor, robotId: pathId(params.robot_id, "robot_id") });
  return ok();
});
