import Link from "next/link";
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

export const metadata = { title: "Users" };

export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = ZListUsersQuery.parse(await searchParams);
  const actor = await getActor();
  const outcome = await attempt(() => listUsers({ actor, query }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const { rows, total, page, pageSize } = outcome.value;

  return (
    <>
      <PageHeader
        title="Users"
        description="Local accounts that can sign in to the console and to the registry."
        actions={
          hasSystemPermission(actor, "user.create") ? (
            <Link href="/admin/users/new" prefetch={false} className={buttonClass()}>
              New user
            </Link>
          ) : undefined
        }
      />
      <SearchBox placeholder="Search username, email or name" initialValue={query.q ?? ""} label="Search users" />
      <div className="mt-4">
        <Table testId="users-table" columns={["Username", "Full name", "Email", "Role", "Status", "Created"]}>
          {rows.map((user) => (
            <tr key={user.id} className="hover:bg-slate-50">
              <td className="px-4 py-2.5 font-medium">
                <Link href={`/admin/users/${user.id}`} prefetch={false} className="text-sky-800 hover:underline">
                  {user.username}
                </Link>
              </td>
              <td className="px-4 py-2.5">{user.fullName}</td>
              <td className="px-4 py-2.5">{user.email}</td>
              <td className="px-4 py-2.5">
                {user.isAdmin ? <Badge tone="info">Administrator</Badge> : user.isAuditor ? <Badge tone="info">Auditor</Badge> : "User"}
              </td>
              <td className="px-4 py-2.5">{user.disabled ? <Badge tone="bad">Disabled</Badge> : <Badge tone="good">Active</Badge>}</td>
              <td className="px-4 py-2.5 whitespace-nowrap text-slate-600">
                <time dateTime={user.createdAt.toISOString()}>{formatDate(user.createdAt)}</time>
              </td>
            </tr>
          ))}
          {rows.length === 0 && <EmptyRow colSpan={6}>{query.q ? `No user matches “${query.q}”.` : "No users yet."}</EmptyRow>}
        </Table>
      </div>
      <Pagination basePath="/admin/users" params={{ q: query.q }} page={page} pageSize={pageSize} total={total} />
    </>
  );
}
