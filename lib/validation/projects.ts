import { z } from "zod";
import { PROJECT_ROLE_IDS } from "@/lib/services/authz/project-roles";
import { singleLine, ZCheckbox, ZId, ZSearchText } from "@/lib/validation/common";
import { ZConsolePaging } from "@/lib/validation/pagination";
import { ipAllowlistFromText, type TIpAllowlist, ZIpAllowlist } from "@/lib/validation/ip-allowlist";
import type { TPullPolicySettings } from "@/lib/validation/pull-policy";

/** Harbor's project name rule. */
export const ZProjectName = z
  .string({ error: "Project name is required" })
  .trim()
  .min(2, "Project name must be 2-255 characters")
  .max(255, "Project name must be 2-255 characters")
  .regex(
    /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
    "Use lowercase letters, digits and single . _ - between them (e.g. team-a or library)",
  )
  // `{project_name_or_id}` in the REST API reads all digits as an id, so such a name could never
  // be addressed by name (Harbor refuses it too).
  .refine((v) => !/^\d+$/.test(v), "A project name cannot be all digits (add a letter, e.g. team-2024)");

export const ZCreateProject = z.object({ name: ZProjectName, isPublic: ZCheckbox.default(false) });
export type TCreateProject = z.infer<typeof ZCreateProject>;

/** Days an unpulled cached artifact is kept in a proxy-cache project. */
export const ZProxyCacheDays = z.coerce
  .number({ error: "Enter a number of days" })
  .int("Enter a whole number of days")
  .min(1, "Keep cached artifacts 1 to 3650 days")
  .max(3650, "Keep cached artifacts 1 to 3650 days");

/** A proxy-cache project's upstream: a registry endpoint, and how long unpulled artifacts stay cached. */
export const ZProjectProxy = z.object({ registryId: ZId, cacheDays: ZProxyCacheDays.default(7) });
export type TProjectProxy = z.infer<typeof ZProjectProxy>;

/**
 * The console's New project form: a proxy cache when a registry endpoint is chosen (an empty
 * choice is an ordinary project).
 */
export const ZCreateProjectForm = ZCreateProject.extend({
  registryId: z.union([z.literal(""), ZId]).optional(),
  cacheDays: z.union([z.literal(""), ZProxyCacheDays]).optional(),
});

/** The Configuration form posts every setting (an unticked box is "off"). */
export const ZUpdateProject = z.object({ projectId: ZId, isPublic: ZCheckbox, autoScan: ZCheckbox });
/** For the service: a setting left out is left as it is (REST changes only what it names). */
export type TUpdateProject = { projectId: number } & Partial<Omit<z.infer<typeof ZUpdateProject>, "projectId">> &
  TPullPolicySettings & { ipAllowlist?: TIpAllowlist; proxyCacheDays?: number };

/** The project Configuration's IP allowlist form: one entry per line, as the system list's. */
export const ZUpdateProjectIpAllowlist = z.object({
  projectId: ZId,
  ipAllowlist: z.string().max(10_000, "At most 10,000 characters").transform(ipAllowlistFromText).pipe(ZIpAllowlist),
});

export const ZDeleteProject = z.object({ projectId: ZId });

export const ZListProjectsQuery = z.object({
  q: ZSearchText,
  visibility: z.enum(["all", "public", "private"]).catch("all").default("all"),
  ...ZConsolePaging.shape,
});
export type TListProjectsQuery = z.infer<typeof ZListProjectsQuery>;

export const ZRoleId = z.coerce
  .number({ error: "Choose a role" })
  .int()
  .refine((v) => (PROJECT_ROLE_IDS as number[]).includes(v), "Choose a role");

export const ZAddMember = z.object({
  projectId: ZId,
  username: singleLine(z.string().trim()).min(1, "Choose a user").max(255),
  roleId: ZRoleId,
});
export type TAddMember = z.infer<typeof ZAddMember>;

/**
 * A group as a member (Harbor's member_group): an LDAP group by its DN, or an OIDC group by the
 * value of the groups claim. The group need not have signed-in members yet.
 */
export const ZAddGroupMember = z
  .object({
    projectId: ZId,
    groupType: z.enum(["ldap", "oidc"], { error: "Choose LDAP or OIDC" }),
    groupName: singleLine(z.string().trim()).max(255, "At most 255 characters"),
    ldapGroupDn: singleLine(z.string().trim()).max(1024, "At most 1024 characters").optional(),
    roleId: ZRoleId,
  })
  .superRefine((value, ctx) => {
    if (value.groupType === "ldap" && !/^[^=,]+=[^,]/.test(value.ldapGroupDn ?? "")) {
      ctx.addIssue({ code: "custom", path: ["ldapGroupDn"], message: "Give the group's DN, e.g. cn=devs,ou=groups,dc=example,dc=com" });
    }
    if (value.groupType === "oidc" && value.groupName === "") {
      ctx.addIssue({ code: "custom", path: ["groupName"], message: "Give the group's name as the groups claim carries it" });
    }
  });
export type TAddGroupMember = z.infer<typeof ZAddGroupMember>;

export const ZUpdateMember = z.object({ projectId: ZId, memberId: ZId, roleId: ZRoleId });
export type TUpdateMember = z.infer<typeof ZUpdateMember>;

export const ZRemoveMember = z.object({ projectId: ZId, memberId: ZId });
export type TRemoveMember = z.infer<typeof ZRemoveMember>;

export const ZListMembersQuery = z.object({ q: ZSearchText, ...ZConsolePaging.shape });
export type TListMembersQuery = z.infer<typeof ZListMembersQuery>;

export const ZProjectCreationRestriction = z.enum(["everyone", "adminonly"]);
export const ZUpdateSystemSettings = z.object({ projectCreationRestriction: ZProjectCreationRestriction });
export type TUpdateSystemSettings = z.infer<typeof ZUpdateSystemSettings>;
