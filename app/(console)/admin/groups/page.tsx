import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { SearchBox } from "@/components/data-table/search-box";
import { Badge } from "@/components/ui/badge";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { listUserGroups } from "@/lib/services/identity/user-groups";
import { ZListUsersQuery } from "@/lib/validation/users";

export async function generateMetadata() {
  return { title: (await getTranslations("groups"))("title") };
}

/** The groups Wharf knows from LDAP and OIDC: administrators and auditors. */
export default async function GroupsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = ZListUsersQuery.parse(await searchParams);
  const actor = await getActor();
  const outcome = await attempt(() => listUserGroups({ actor, query }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const { rows, total, page, pageSize } = outcome.value;
  const t = await getTranslations("groups");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <SearchBox placeholder={t("searchPlaceholder")} initialValue={query.q ?? ""} label={t("search")} />
      <div className="mt-4">
        <Table testId="groups-table" columns={[t("columns.name"), t("columns.source"), t("columns.key"), t("columns.members"), t("columns.projects")]}>
          {rows.map((group) => (
            <tr key={group.id} className="hover:bg-slate-50">
              <td className="px-4 py-2.5 font-medium">
                <Link href={`/admin/groups/${group.id}`} prefetch={false} className="text-sky-800 hover:underline">
                  {group.name}
                </Link>
              </td>
              <td className="px-4 py-2.5">
                <Badge tone="info">{t(`sources.${group.groupType === "ldap" ? "ldap" : "oidc"}`)}</Badge>
              </td>
              <td className="px-4 py-2.5 font-mono text-xs break-all text-slate-600">{group.externalKey}</td>
              <td className="px-4 py-2.5 tabular-nums">{group.members}</td>
              <td className="px-4 py-2.5 tabular-nums">{group.projects}</td>
            </tr>
          ))}
          {rows.length === 0 && <EmptyRow colSpan={5}>{query.q ? t("noMatch", { q: query.q }) : t("empty")}</EmptyRow>}
        </Table>
      </div>
      <Pagination basePath="/admin/groups" params={{ q: query.q }} page={page} pageSize={pageSize} total={total} />
    </>
  );
}
