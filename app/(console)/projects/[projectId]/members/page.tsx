import { getTranslations } from "next-intl/server";
import { projectPageMetadata } from "@/app/(console)/projects/[projectId]/project-title";
import { AddGroupMemberForm, AddMemberForm, MemberRow } from "@/app/(console)/projects/[projectId]/members/members-forms";
import { loadProject, type ProjectTabPageProps } from "@/app/(console)/projects/[projectId]/load-project";
import { SearchBox } from "@/components/data-table/search-box";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { listProjectMembers } from "@/lib/services/members/members";
import { listInheritedMembers } from "@/lib/services/members/role-rules";
import { readAuthMode } from "@/lib/services/identity/auth-mode";
import { ZListMembersQuery } from "@/lib/validation/projects";
import { EmptyRow, Table } from "@/components/ui/table";

export const generateMetadata = projectPageMetadata("members");

export default async function MembersPage({ params, searchParams }: ProjectTabPageProps) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null;
  const query = ZListMembersQuery.parse(await searchParams);
  const actor = await getActor();
  const outcome = await attempt(() => listProjectMembers({ actor, projectId: project.value.id, query }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const { rows, total, page, pageSize } = outcome.value;
  const can = new Set(project.value.viewerPermissions);
  const canManage = can.has("member:create") && can.has("member:update") && can.has("member:delete");
  const t = await getTranslations("members");
  const tp = await getTranslations("project");
  const inherited = await listInheritedMembers({ actor, projectId: project.value.id });
  const authMode = await readAuthMode();
  return (
    <div className="space-y-6">
      {canManage && <AddMemberForm projectId={project.value.id} />}
      {/* Groups come from an identity provider: offered once one is the sign-in mode. */}
      {canManage && authMode !== "db_auth" && <AddGroupMemberForm projectId={project.value.id} defaultGroupType={authMode === "ldap_auth" ? "ldap" : "oidc"} />}
      <SearchBox placeholder={t("search")} initialValue={query.q ?? ""} label={t("searchLabel")} />
      <Table testId="members-table" columns={[t("columns.user"), t("columns.role"), ...(canManage ? [{ label: t("columns.actions"), srOnly: true }] : [])]}>
        {rows.map((m) => (
          <MemberRow key={m.id} projectId={project.value.id} member={m} canManage={canManage} />
        ))}
        {rows.length === 0 && <EmptyRow colSpan={canManage ? 3 : 2}>{query.q ? t("noMatch") : t("empty")}</EmptyRow>}
      </Table>
      <Pagination
        basePath={`/projects/${project.value.id}/members`}
        params={{ q: query.q }}
        page={page}
        pageSize={pageSize}
        total={total}
      />
      {inherited.length > 0 && (
        <section aria-labelledby="inherited-members-heading" className="space-y-2">
          <h2 id="inherited-members-heading" className="font-semibold">
            {t("inheritedHeading")}
          </h2>
          <p className="text-sm text-slate-600">{t("inheritedHint")}</p>
          <Table testId="inherited-members-table" columns={[t("columns.user"), t("columns.role"), t("columns.rule")]}>
            {inherited.map((m) => (
              <tr key={m.id}>
                <td className="px-3 py-2 text-sm">
                  {m.username}
                  {m.group && <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{t("inheritedGroup")}</span>}
                </td>
                <td className="px-3 py-2 text-sm">{tp(`roles.r${m.roleId}`)}</td>
                <td className="px-3 py-2 font-mono text-sm">{m.pattern}</td>
              </tr>
            ))}
          </Table>
        </section>
      )}
    </div>
  );
}
