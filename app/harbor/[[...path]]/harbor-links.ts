import { isDigest } from "@/lib/oci/digest";
import { isValidRepositoryName, isValidTag } from "@/lib/oci/reference";

/**
 * Harbor's UI deep links (`/harbor/projects/{id}/repositories/{repo}/artifacts-tab/artifacts/{digest}`
 * and the like, which Harbor tools and chat messages carry) mapped to the matching console page,
 * so that those links keep working against Wharf. Pure: the console page itself checks access and
 * answers "not found" for what does not exist; nothing is looked up here, so the redirect tells an
 * anonymous caller nothing about which projects exist.
 *
 * Harbor's project ids are Wharf's (the REST API answers them as `project_id`). Harbor's portal
 * names a repository without its project, in one segment with its slashes encoded (`a%2Fb`, some
 * tools twice: `a%252Fb`); plain slashes are taken too.
 */

/** Harbor's project tabs and the console page of each. */
const PROJECT_TABS: Record<string, string> = {
  summary: "",
  repositories: "/repositories",
  members: "/members",
  logs: "/logs",
  "robot-account": "/robots",
  configs: "/configuration",
  // Harbor's "Policy" tab: tag retention and tag immutability.
  "tag-strategy": "/policy",
};

/** Markers that end the repository part of Harbor's repository URLs. */
const REPOSITORY_TABS = new Set(["artifacts-tab", "info-tab"]);

/** The console path for a Harbor UI path (`/harbor/...`), or null when there is no matching page. */
export function consolePathForHarborPath(pathname: string): string | null {
  const segments = pathname.split("/").filter((segment) => segment !== "");
  if (segments[0] !== "harbor") return null;
  const rest = segments.slice(1);
  if (rest.length === 0) return "/";
  if (rest[0] === "sign-in" && rest.length === 1) return "/sign-in";
  if (rest[0] !== "projects") return null;
  if (rest.length === 1) return "/projects";
  const id = rest[1]!;
  // Wharf's project ids are integer keys; anything else names no project page.
  if (!/^[1-9]\d{0,9}$/.test(id)) return null;
  const project = `/projects/${id}`;
  if (rest.length === 2) return project;
  const tab = rest[2]!;
  if (tab === "repositories" && rest.length > 3) return repositoryPath(project, rest.slice(3));
  const page = PROJECT_TABS[tab];
  return page !== undefined && rest.length === 3 ? `${project}${page}` : null;
}

/**
 * `{repo}[/artifacts-tab[/depth/{d}][/artifacts/{ref}]]` or `{repo}/info-tab`: the repository's
 * page, or an artifact's page when a reference is named (for an index child shown under
 * `depth/…`, the child itself).
 */
function repositoryPath(project: string, segments: string[]): string | null {
  const marker = segments.findIndex((segment) => REPOSITORY_TABS.has(segment));
  const nameSegments = marker < 0 ? segments : segments.slice(0, marker);
  const name = decodeName(nameSegments);
  // Checked as the second part of a full name: the grammar the console's own page accepts.
  if (name === null || !isValidRepositoryName(`p/${name}`)) return null;
  const repository = `${project}/repositories/${name}`;
  if (marker < 0) return repository;
  const tab = segments.slice(marker);
  if (tab[0] === "info-tab") return tab.length === 1 ? repository : null;
  let artifact = tab.slice(1);
  if (artifact[0] === "depth" && artifact.length >= 2) artifact = artifact.slice(2);
  if (artifact.length === 0) return repository;
  if (artifact.length !== 2 || artifact[0] !== "artifacts") return null;
  const reference = decodeOnce(artifact[1]!);
  if (reference === null || !(isDigest(reference) || isValidTag(reference))) return null;
  return `${repository}/-/artifacts/${reference}`;
}

/** The repository name the segments spell, its encoded slashes (once or twice encoded) decoded. */
function decodeName(segments: string[]): string | null {
  if (segments.length === 0) return null;
  let name = segments.join("/");
  for (let round = 0; round < 2 && name.includes("%"); round++) {
    const decoded = decodeOnce(name);
    if (decoded === null) return null;
    name = decoded;
  }
  return name;
}

function decodeOnce(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    // A malformed escape names nothing.
    return null;
  }
}
