import "server-only";
import { basicAuthorization } from "@/lib/registry/credentials";
import { fetchForTls } from "@/lib/registry/tls-fetch";
import { AppError, ConflictError } from "@/lib/errors";
import { type ConnectionSettings, describeConnectionFailure, tlsOf } from "@/lib/services/registries/connect";
import type { RegistryType } from "@/lib/validation/registries";

/**
 * The projects of a Harbor or Wharf endpoint, read through its REST API
 * (`GET <url>/api/v2.0/projects?page=&page_size=`) with the endpoint's credentials and TLS
 * settings, so an administrator choosing a policy's destination namespace sees what exists there.
 * Harbor's paging is followed (`Link: <…>; rel="next"`, else `X-Total-Count`), page by page from
 * the endpoint's own URL: a Link to another host is never asked (the credentials stay put).
 * Bounded: at most MAX_PAGES pages of PAGE_SIZE.
 */

export type RemoteProject = { projectId: number | null; name: string; public: boolean | null };
export type RemoteProjects = { projects: RemoteProject[]; total: number; truncated: boolean };

const PAGE_SIZE = 100;
export const MAX_REMOTE_PROJECT_PAGES = 50;
const TIMEOUT_MS = 10_000;
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

const NO_PROJECTS: Partial<Record<RegistryType, string>> = {
  "docker-registry": "a Docker Registry endpoint has no projects",
  "docker-hub": "a Docker Hub endpoint has no projects",
};

/** A failure of the remote's project API (refused, unreachable, TLS, not Harbor's API): a 400 naming the cause, as Test connection answers. */
export class RemoteProjectsError extends AppError {
  constructor(message: string) {
    super(message, 400, "BAD_REQUEST");
  }
}

/**
 * Reads the remote's project list with these settings (the caller, listRemoteProjects in
 * registries.ts, has checked the permission and unsealed the password). A Docker Registry or
 * Docker Hub endpoint is a 409: it has no projects.
 */
export async function fetchRemoteProjects(settings: ConnectionSettings & { name: string; type: RegistryType }): Promise<RemoteProjects> {
  const refusal = NO_PROJECTS[settings.type];
  if (refusal) throw new ConflictError(`${settings.name}: ${refusal} (only Harbor and Wharf endpoints list projects).`);

  const fetch = fetchForTls(tlsOf(settings));
  const headers: Record<string, string> = { Accept: "application/json" };
  if (settings.credentialType === "basic") headers.Authorization = basicAuthorization({ username: settings.username, password: settings.secret ?? "" });
  const projects: RemoteProject[] = [];
  let total = 0;
  for (let page = 1; page <= MAX_REMOTE_PROJECT_PAGES; page++) {
    const url = `${settings.url}/api/v2.0/projects?page=${page}&page_size=${PAGE_SIZE}`;
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: "follow" });
    } catch (error) {
      throw new RemoteProjectsError(describeConnectionFailure(error, settings));
    }
    const text = await readLimited(res);
    if (res.status === 401 || res.status === 403) {
      throw new RemoteProjectsError(
        `Wrong username or password: ${settings.url} answered HTTP ${res.status} to its project list for ${
          settings.credentialType === "basic" ? `the credentials of ${JSON.stringify(settings.username)}` : "an anonymous request"
        }.`,
      );
    }
    if (!res.ok) throw new RemoteProjectsError(`${settings.url} answered HTTP ${res.status} to its project list (${settings.url}/api/v2.0/projects): is it a ${settings.type === "harbor" ? "Harbor" : "Wharf"}?`);
    const batch = parseProjects(text);
    if (!batch) throw new RemoteProjectsError(`${settings.url} answered its project list with something that is not Harbor's list of projects: is it a ${settings.type === "harbor" ? "Harbor" : "Wharf"}?`);
    projects.push(...batch);
    const counted = Number(res.headers.get("x-total-count"));
    total = Number.isSafeInteger(counted) && counted >= 0 ? counted : projects.length;
    const more = hasNextLink(res.headers.get("link")) || (res.headers.get("x-total-count") !== null && projects.length < total);
    if (!more || batch.length === 0) return { projects, total: Math.max(total, projects.length), truncated: false };
  }
  return { projects, total: Math.max(total, projects.length), truncated: true };
}

async function readLimited(res: Response): Promise<string> {
  const length = Number(res.headers.get("content-length"));
  if (Number.isFinite(length) && length > MAX_PAGE_BYTES) {
    await res.body?.cancel();
    throw new RemoteProjectsError("The project list page is too large.");
  }
  const text = await res.text();
  if (text.length > MAX_PAGE_BYTES) throw new RemoteProjectsError("The project list page is too large.");
  return text;
}

/** Harbor's Project: `project_id`, `name`, `metadata.public` ("true"/"false"). Null when the body is not a list of them. */
function parseProjects(text: string): RemoteProject[] | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(body)) return null;
  const projects: RemoteProject[] = [];
  for (const item of body as unknown[]) {
    if (!item || typeof item !== "object") return null;
    const { project_id: id, name, metadata } = item as { project_id?: unknown; name?: unknown; metadata?: { public?: unknown } | null };
    if (typeof name !== "string" || !name) return null;
    const flag = metadata?.public;
    projects.push({
      projectId: typeof id === "number" && Number.isSafeInteger(id) ? id : null,
      name,
      public: flag === "true" || flag === true ? true : flag === "false" || flag === false ? false : null,
    });
  }
  return projects;
}

/** Whether a Link header has a rel="next" (Harbor's paging). */
function hasNextLink(link: string | null): boolean {
  return !!link && link.split(",").some((part) => /;\s*rel="?next"?/i.test(part));
}
