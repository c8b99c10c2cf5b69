import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { SearchBox } from "@/components/data-table/search-box";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { listUsers } from "@/lib/services/users/list-users";
import { ZListUsersQuery } from "@/lib/validation/users";
import { EmptyRow, Table } from "@/components/ui/table";
import { formatDate } from "@/lib/format/datetime";

export async function generateMetadata() {
  return { title: (await getTranslations("users"))("title") };
}

export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = ZListUsersQuery.parse(await searchParams);
  const actor = await getActor();
  const outcome = await attempt(() => listUsers({ actor, query }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const { rows, total, page, pageSize } = outcome.value;
  const t = await getTranslations("users");

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          hasSystemPermission(actor, "user.create") ? (
            <Link href="/admin/users/new" prefetch={false} className={buttonClass()}>
              {t("new")}
            </Link>
          ) : undefined
        }
      />
      <SearchBox placeholder={t("searchPlaceholder")} initialValue={query.q ?? ""} label={t("search")} />
      <div className="mt-4">
        <Table testId="users-table" columns={[t("columns.username"), t("columns.fullName"), t("columns.email"), t("columns.role"), t("columns.status"), t("columns.created")]}>
          {rows.map((user) => (
            <tr key={user.id} className="hover:bg-slate-50">
              <td className="px-4 py-2.5 font-medium">
                <Link href={`/admin/users/${user.id}`} prefetch={false} className="text-sky-800 hover:underline">
                  {user.username}
                </Link>
                {(user.authSource === "ldap" || user.authSource === "oidc") && (
                  <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs font-normal text-slate-700">{t(`sources.${user.authSource}`)}</span>
                )}
              </td>
              <td className="px-4 py-2.5">{user.fullName}</td>
              <td className="px-4 py-2.5">{user.email}</td>
              <td className="px-4 py-2.5">
                {user.isAdmin ? <Badge tone="info">{t("administrator")}</Badge> : user.isAuditor ? <Badge tone="info">{t("auditor")}</Badge> : t("user")}
              </td>
              <td className="px-4 py-2.5">{user.disabled ? <Badge tone="bad">{t("disabled")}</Badge> : <Badge tone="good">{t("active")}</Badge>}</td>
              <td className="px-4 py-2.5 whitespace-nowrap text-slate-600">
                <time dateTime={user.createdAt.toISOString()}>{formatDate(user.createdAt)}</time>
              </td>
            </tr>
          ))}
          {rows.length === 0 && <EmptyRow colSpan={6}>{query.q ? t("noMatch", { q: query.q }) : t("empty")}</EmptyRow>}
        </Table>
      </div>
      <Pagination basePath="/admin/users" params={{ q: query.q }} page={page} pageSize={pageSize} total={total} />
    </>
  );
}
