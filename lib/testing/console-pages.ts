/**
 * Every console page, as URLs with real ids: the one list the page walks share (the overflow walk
 * in e2e/layout.spec.ts, the axe walk in e2e/a11y.spec.ts, `npm run bench first-load`), so a new
 * page is added once. `seedConsoleData` creates what the pages show through a running Wharf's REST
 * API and registry, as an administrator would: two projects, an image pushed with skopeo and
 * scanned, a project robot, a user, a registry endpoint (the same Wharf, type `wharf`), a
 * replication policy with one finished execution and its task, and a retention policy with a dry
 * run. Only fetch, skopeo and one read of the database (the console names a scanner by its row id,
 * the REST API by its uuid): usable from Playwright specs and the benchmarks alike.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import type pg from "pg";
import { skopeoCopy, writeOciImageLayout } from "./oci-layout";

/** The ids a page URL needs; a page whose id is missing is left out of the list. */
export type ConsolePageIds = {
  projectId: number;
  /** Inside the project, e.g. "apps/web". */
  repoPath: string;
  /** A tag or digest of an artifact in that repository. */
  reference: string;
  /** The project's name, for the search pages. */
  projectName: string;
  userId: number;
  /** An OIDC group with a role in the project. */
  groupId?: number;
  registryId?: number;
  scannerId?: number;
  replicationPolicyId?: number;
  replicationExecutionId?: number;
  replicationTaskId?: number;
  retentionExecutionId?: number;
};

/** [name, url] of every console page (signed in; the sign-in page is not among them). */
export function consolePages(ids: ConsolePageIds): [string, string][] {
  const p = `/projects/${ids.projectId}`;
  const repo = `${p}/repositories/${ids.repoPath}`;
  const pages: [string, string | false][] = [
    ["dashboard", "/"],
    ["projects", "/projects"],
    ["project-new", "/projects/new"],
    ["project-summary", p],
    ["project-repositories", `${p}/repositories`],
    ["project-members", `${p}/members`],
    ["project-robots", `${p}/robots`],
    ["project-storage", `${p}/storage`],
    ["project-configuration", `${p}/configuration`],
    ["project-policy", `${p}/policy`],
    ["project-policy-execution", ids.retentionExecutionId !== undefined && `${p}/policy/executions/${ids.retentionExecutionId}`],
    ["project-logs", `${p}/logs`],
    ["project-webhooks", `${p}/webhooks`],
    ["project-labels", `${p}/labels`],
    ["project-security", `${p}/security`],
    ["repository", repo],
    ["artifact", `${repo}/-/artifacts/${ids.reference}`],
    ["admin-labels", "/admin/labels"],
    ["admin-users", "/admin/users"],
    ["admin-user-new", "/admin/users/new"],
    ["admin-user", `/admin/users/${ids.userId}`],
    ["admin-groups", "/admin/groups"],
    ["admin-group", ids.groupId !== undefined && `/admin/groups/${ids.groupId}`],
    ["admin-robots", "/admin/robots"],
    ["admin-registries", "/admin/registries"],
    ["admin-registry-new", "/admin/registries/new"],
    ["admin-registry", ids.registryId !== undefined && `/admin/registries/${ids.registryId}`],
    ["admin-clean-up", "/admin/clean-up"],
    ["admin-replications", "/admin/replications"],
    ["admin-replication-new", "/admin/replications/new"],
    ["admin-replication", ids.replicationPolicyId !== undefined && `/admin/replications/${ids.replicationPolicyId}`],
    ["admin-replication-edit", ids.replicationPolicyId !== undefined && `/admin/replications/${ids.replicationPolicyId}/edit`],
    ["admin-replication-preview", ids.replicationPolicyId !== undefined && `/admin/replications/${ids.replicationPolicyId}/preview`],
    [
      "admin-replication-execution",
      ids.replicationPolicyId !== undefined && ids.replicationExecutionId !== undefined && `/admin/replications/${ids.replicationPolicyId}/executions/${ids.replicationExecutionId}`,
    ],
    [
      "admin-replication-task",
      ids.replicationPolicyId !== undefined &&
        ids.replicationExecutionId !== undefined &&
        ids.replicationTaskId !== undefined &&
        `/admin/replications/${ids.replicationPolicyId}/executions/${ids.replicationExecutionId}/tasks/${ids.replicationTaskId}`,
    ],
    ["admin-scanners", "/admin/scanners"],
    ["admin-scanner-new", "/admin/scanners/new"],
    ["admin-scanner", ids.scannerId !== undefined && `/admin/scanners/${ids.scannerId}`],
    ["admin-security", "/admin/security"],
    ["admin-vulnerability-db", "/admin/vulnerability-db"],
    ["admin-audit-log", "/admin/audit-log"],
    ["admin-audit-log-policy", "/admin/audit-log/policy"],
    ["admin-settings", "/admin/settings"],
    ["admin-authentication", "/admin/authentication"],
    ["admin-retention", "/admin/retention"],
    ["admin-health", "/admin/health"],
    ["account", "/account"],
    // The header search's full results: the project and its repository, one tab each.
    ["search", `/search?q=${encodeURIComponent(ids.projectName)}`],
    ["search-repositories", `/search?q=${encodeURIComponent(ids.projectName)}&kind=repositories`],
  ];
  return pages.filter((entry): entry is [string, string] => entry[1] !== false);
}

type Admin = { username: string; password: string };

/** Seeds what every page shows (see the file comment) and answers the ids of `consolePages`. */
export async function seedConsoleData({ baseURL, admin, tmp, db }: { baseURL: string; admin: Admin; tmp: string; db: pg.Client }): Promise<ConsolePageIds> {
  const suffix = randomBytes(3).toString("hex");
  const authorization = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`;
  const api = async (method: string, apiPath: string, body?: unknown, expected = [200, 201, 202]): Promise<Response> => {
    const res = await fetch(`${baseURL}/api/v2.0${apiPath}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!expected.includes(res.status)) throw new Error(`${method} ${apiPath}: ${res.status} ${await res.text()}`);
    return res;
  };
  const createdId = (res: Response) => Number((res.headers.get("location") ?? "").split("/").pop());
  const poll = async <T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what}: not there within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  const projectName = `pages-${suffix}`;
  const mirror = `pages-mirror-${suffix}`;
  const repoPath = "apps/web";
  const projectId = createdId(await api("POST", "/projects", { project_name: projectName, metadata: { public: "false" } }));
  await api("POST", "/projects", { project_name: mirror, metadata: { public: "false" } });

  const image = await writeOciImageLayout(path.join(tmp, `pages-${suffix}`), { tag: "1.0", files: { "srv/index.html": `pages ${suffix}\n` } });
  const host = new URL(baseURL).host;
  for (const tag of ["1.0", "latest"]) {
    await skopeoCopy(image.ref, `docker://${host}/${projectName}/${repoPath}:${tag}`, { destCreds: `${admin.username}:${admin.password}` });
  }
  const artifactPath = `/projects/${projectName}/repositories/${encodeURIComponent(repoPath)}/artifacts/1.0`;
  await api("POST", `${artifactPath}/scan`, {});

  await api("POST", "/robots", {
    name: "ci",
    description: "pages walk",
    level: "project",
    duration: 30,
    permissions: [{ kind: "project", namespace: projectName, access: [{ resource: "repository", action: "pull" }] }],
  });
  const username = `pages-user-${suffix}`;
  const userId = createdId(await api("POST", "/users", { username, email: `${username}@example.test`, realname: "Pages Walk", password: "Pages-walk-Passw0rd" }));
  // A group as a member (Harbor's member_group): its page is reached by the group's id.
  const groupMemberId = createdId(await api("POST", `/projects/${projectId}/members`, { role_id: 3, member_group: { group_type: 3, group_name: `pages-walk-${suffix}` } }));
  const groupMember = (await (await api("GET", `/projects/${projectId}/members/${groupMemberId}`)).json()) as { entity_id: number };

  const registryId = createdId(
    await api("POST", "/registries", {
      name: `self-${suffix}`,
      type: "wharf",
      url: baseURL,
      description: "this Wharf, for the pages walk",
      insecure: false,
      credential: { type: "basic", access_key: admin.username, access_secret: admin.password },
    }),
  );
  const replicationPolicyId = createdId(
    await api("POST", "/replication/policies", {
      name: `pages-push-${suffix}`,
      dest_registry: { id: registryId },
      dest_namespace: mirror,
      dest_namespace_replace_count: 1,
      filters: [{ type: "name", value: `${projectName}/**` }],
      trigger: { type: "manual" },
      override: true,
      enabled: true,
      replicate_deletion: false,
    }),
  );
  const replicationExecutionId = createdId(await api("POST", "/replication/executions", { policy_id: replicationPolicyId }));

  const retentionId = createdId(
    await api("POST", "/retentions", {
      algorithm: "or",
      rules: [
        {
          template: "latestPushedK",
          params: { latestPushedK: 3 },
          tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "**", extras: '{"untagged":true}' }],
          scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] },
        },
      ],
      trigger: { kind: "Schedule", settings: { cron: "" } },
      scope: { level: "project", ref: projectId },
    }),
  );
  const retentionExecutionId = createdId(await api("POST", `/retentions/${retentionId}/executions`, { dry_run: true }));

  const scanners = (await (await api("GET", "/scanners")).json()) as { uuid: string }[];
  const scanner = await db.query<{ id: number }>(`SELECT id FROM scanners WHERE uuid = $1`, [scanners[0]?.uuid ?? ""]);
  const replicationTaskId = await poll("a task of the replication execution", async () => {
    const tasks = (await (await api("GET", `/replication/executions/${replicationExecutionId}/tasks`)).json()) as { id: number }[];
    return tasks[0]?.id;
  });
  // The pages then show finished runs (their end states and logs), not a moment of one.
  await poll("the replication execution's end", async () => {
    const execution = (await (await api("GET", `/replication/executions/${replicationExecutionId}`)).json()) as { status: string };
    return execution.status === "InProgress" ? undefined : execution.status;
  });
  await poll("the retention dry run's end", async () => {
    const executions = (await (await api("GET", `/retentions/${retentionId}/executions`)).json()) as { id: number; status: string }[];
    const status = executions.find((e) => e.id === retentionExecutionId)?.status;
    return status === undefined || status === "InProgress" || status === "Pending" || status === "Running" ? undefined : status;
  });
  await poll("the scan's end", async () => {
    const artifact = (await (await api("GET", `${artifactPath}?with_scan_overview=true`)).json()) as { scan_overview?: Record<string, { scan_status?: string }> };
    const status = Object.values(artifact.scan_overview ?? {})[0]?.scan_status;
    return status === undefined || status === "Pending" || status === "Running" ? undefined : status;
  });

  return {
    projectId,
    repoPath,
    reference: "1.0",
    projectName,
    userId,
    groupId: groupMember.entity_id,
    registryId,
    scannerId: scanner.rows[0]?.id,
    replicationPolicyId,
    replicationExecutionId,
    replicationTaskId,
    retentionExecutionId,
  };
}
