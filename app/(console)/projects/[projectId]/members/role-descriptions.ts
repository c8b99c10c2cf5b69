import type { ProjectRoleId } from "@/lib/services/authz/project-roles";

/**
 * One line per project role, shown beside the role picker: what the role may do in its project,
 * read off Harbor's matrix in project-roles.ts (which decides; this only explains it).
 */
export const ROLE_DESCRIPTIONS: Record<ProjectRoleId, string> = {
  1: "Everything in the project: members, robots, settings, deleting it.",
  4: "Push, pull, delete artifacts and tags, scan; reads members.",
  2: "Push and pull images.",
  3: "Pull images; reads members and robots.",
  5: "Pull images only.",
};
