import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { DeleteLabelButton, LabelForm } from "@/app/(console)/admin/labels/label-forms";
import { LabelBadge } from "@/components/labels/label-badge";
import { Pagination } from "@/components/ui/pagination";
import { EmptyRow, Table } from "@/components/ui/table";
import { formatTime } from "@/app/(console)/projects/[projectId]/repositories/format";
import type { LabelView } from "@/lib/services/labels/labels";
import type { Page } from "@/lib/services/pagination";

/**
 * One scope's labels (Administration → Labels, a project's Labels tab): the create form, or the
 * edit form of `?edit=<id>`, for those who manage them; the list with each label's badge,
 * description and times; one page at a time.
 */
export async function LabelList({
  page,
  basePath,
  projectId,
  canManage,
  editId,
}: {
  page: Page<LabelView>;
  basePath: string;
  projectId?: number;
  canManage: boolean;
  editId: number | undefined;
}) {
  const t = await getTranslations("labels");
  const editing = canManage ? page.rows.find((l) => l.id === editId) : undefined;
  const columns = [t("name"), t("description"), t("created"), ...(canManage ? [{ label: t("actions"), srOnly: true }] : [])];
  return (
    <div className="space-y-6">
      {canManage && (editing ? <LabelForm key={`edit-${editing.id}`} projectId={projectId} label={editing} /> : <LabelForm key="new" projectId={projectId} />)}
      {editing && (
        <p className="text-sm">
          <Link href={basePath} prefetch={false} className="text-sky-800 hover:underline">
            {t("cancelEdit")}
          </Link>
        </p>
      )}
      <Table testId="labels-table" container columns={columns}>
        {page.rows.map((l) => (
          <tr key={l.id} className="border-t border-slate-100 align-top" data-testid={`label-row-${l.name}`}>
            <td className="px-4 py-2.5">
              <LabelBadge name={l.name} color={l.color} />
              <span className="ml-2 font-mono text-xs text-slate-500">{l.color}</span>
            </td>
            <td className="px-4 py-2.5 text-sm break-words">{l.description || "—"}</td>
            <td className="px-4 py-2.5 text-xs whitespace-nowrap text-slate-600">{formatTime(l.createdAt)}</td>
            {canManage && (
              <td className="px-4 py-2.5">
                <div className="flex flex-wrap items-center justify-end gap-2">
                  <Link href={`${basePath}?edit=${l.id}`} prefetch={false} className="text-sm text-sky-800 hover:underline">
                    {t("edit")}
                  </Link>
                  <DeleteLabelButton projectId={projectId} label={{ id: l.id, name: l.name }} />
                </div>
              </td>
            )}
          </tr>
        ))}
        {page.rows.length === 0 && <EmptyRow colSpan={columns.length}>{t("empty")}</EmptyRow>}
      </Table>
      <Pagination basePath={basePath} params={{}} page={page.page} pageSize={page.pageSize} total={page.total} />
    </div>
  );
}
