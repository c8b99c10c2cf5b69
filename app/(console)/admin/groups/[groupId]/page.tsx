import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { createGroupRoleRuleAction, deleteGroupRoleRuleAction, deleteUserGroupAction } from "@/app/(console)/admin/groups/actions";
import { UserRoleRules } from "@/app/(console)/admin/users/[userId]/user-forms";
import { Badge } from "@/components/ui/badge";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { NotFoundError } from "@/lib/errors";
import { formatDateTime } from "@/lib/format/datetime";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { getUserGroup } from "@/lib/services/identity/user-groups";
import { listGroupRoleRules } from "@/lib/services/members/role-rules";
import { ZId } from "@/lib/validation/common";
import { ZListUsersQuery } from "@/lib/validation/users";

export async function generateMetadata() {
  return { title: (await getTranslations("groups"))("group") };
}

/** One group: who is in it (as the source last said), its project roles, its roles across projects. */
export default async function GroupPage({
  params,
  searchParams,
}: {
  params: Promise<{ groupId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const groupId = ZId.safeParse((await params).groupId);
  if (!groupId.success) return <RefusalNotice error={new NotFoundError("There is no such group.")} />;
  const query = ZListUsersQuery.parse(await searchParams);
  const actor = await getActor();
  const outcome = await attempt(() => getUserGroup({ actor, groupId: groupId.data, page: query.page, pageSize: query.pageSize }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const group = outcome.value;
  const rules = await listGroupRoleRules({ actor, groupId: group.id });
  const canEdit = hasSystemPermission(actor, "user.update");
  const t = await getTranslations("groups");
  const tu = await getTranslations("users");
  const tp = await getTranslations("project");
  return (
    <>
      <PageHeader
        title={group.name}
        description={t("groupDescription", { source: t(`sources.${group.groupType === "ldap" ? "ldap" : "oidc"}`) })}
        actions={
          canEdit ? (
            <ConfirmActionForm
              action={deleteUserGroupAction}
              fields={{ groupId: group.id }}
              triggerLabel={t("delete")}
              title={t("deleteTitle", { name: group.name })}
              description={t("deleteDescription", { projects: group.projects })}
              confirmLabel={t("deleteConfirm")}
              pendingText={t("deleting")}
              success={t("deleted", { name: group.name })}
            />
          ) : undefined
        }
      />
      <p className="mb-6 font-mono text-sm break-all text-slate-600" data-testid="group-key">
        {group.externalKey}
      </p>
      <section aria-labelledby="group-projects-heading" className="mb-8 space-y-2">
        <h2 id="group-projects-heading" className="font-semibold">{t("projectsHeading")}</h2>
        <Table testId="group-projects-table" columns={[t("columns.project"), t("columns.role")]}>
          {group.projectRoles.map((m) => (
            <tr key={m.memberId}>
              <td className="px-4 py-2.5">
                <Link href={`/projects/${m.projectId}/members`} prefetch={false} className="text-sky-800 hover:underline">
                  {m.projectName}
                </Link>
              </td>
              <td className="px-4 py-2.5">{tp(`roles.r${m.roleId}`)}</td>
            </tr>
          ))}
          {group.projectRoles.length === 0 && <EmptyRow colSpan={2}>{t("noProjects")}</EmptyRow>}
        </Table>
      </section>
      <section aria-labelledby="group-rules-heading" className="mb-8 max-w-2xl rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="group-rules-heading" className="mb-1 font-semibold">{tu("roleRules")}</h2>
        <p className="mb-4 text-sm text-slate-600">{t("roleRulesHint")}</p>
        <UserRoleRules
          userId={group.id}
          canEdit={canEdit}
          holder={{ field: "groupId", create: createGroupRoleRuleAction, remove: deleteGroupRoleRuleAction }}
          rules={rules.map((r) => ({ id: r.id, pattern: r.pattern, roleId: r.roleId, createdBy: r.createdBy, createdAt: formatDateTime(r.createdAt) }))}
        />
      </section>
      <section aria-labelledby="group-members-heading" className="space-y-2">
        <h2 id="group-members-heading" className="font-semibold">
          {t("membersHeading")} <Badge tone="info">{group.members}</Badge>
        </h2>
        <p className="text-sm text-slate-600">{t("membersHint")}</p>
        <Table testId="group-members-table" columns={[t("columns.username"), t("columns.fullName"), t("columns.synced")]}>
          {group.memberPage.rows.map((m) => (
            <tr key={m.id}>
              <td className="px-4 py-2.5 font-medium">
                <Link href={`/admin/users/${m.id}`} prefetch={false} className="text-sky-800 hover:underline">
                  {m.username}
                </Link>
              </td>
              <td className="px-4 py-2.5">{m.fullName}</td>
              <td className="px-4 py-2.5 whitespace-nowrap text-slate-600">{formatDateTime(m.syncedAt)}</td>
            </tr>
          ))}
          {group.memberPage.rows.length === 0 && <EmptyRow colSpan={3}>{t("noMembers")}</EmptyRow>}
        </Table>
        <Pagination basePath={`/admin/groups/${group.id}`} params={{}} page={group.memberPage.page} pageSize={group.memberPage.pageSize} total={group.memberPage.total} />
      </section>
    </>
  );
}
