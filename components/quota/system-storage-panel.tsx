import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { formatBytes } from "@/lib/format/bytes";
import type { SystemStorage } from "@/lib/services/quotas/storage";

/**
 * The registry's storage: the distinct blobs every project references against the size of the
 * registry's filesystem (when Wharf shares its disk), with a warning from 85% full; and the
 * projects using the most. On the dashboard (administrators, auditors) and System health.
 */
export async function SystemStoragePanel({ storage }: { storage: SystemStorage }) {
  const t = await getTranslations("storage");
  const fs = storage.filesystem;
  const percent = fs ? Math.round(fs.usedFraction * 1000) / 10 : null;
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="system-storage-heading" data-testid="system-storage">
      <h2 id="system-storage-heading" className="mb-3 font-semibold">{t("systemHeading")}</h2>
      {storage.warning && fs && (
        <p role="alert" className="mb-3 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="storage-warning">
          {t("warning", { percent: percent ?? 0, free: formatBytes(fs.freeBytes) })}
        </p>
      )}
      <dl className="grid grid-cols-[16rem_minmax(0,1fr)] gap-y-2 text-sm">
        <dt className="text-slate-500">{t("distinct")}</dt>
        <dd>{formatBytes(storage.distinctBytes)}</dd>
        <dt className="text-slate-500">{t("projectsSum")}</dt>
        <dd>{formatBytes(storage.projectsBytes)}</dd>
        <dt className="text-slate-500">{t("filesystem")}</dt>
        <dd>
          {fs && percent !== null ? (
            <div className="max-w-md">
              <div
                role="progressbar"
                aria-label={t("filesystemBar")}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={percent}
                aria-valuetext={t("filesystemText", { used: formatBytes(fs.totalBytes - fs.freeBytes), total: formatBytes(fs.totalBytes), percent })}
                className="h-2 w-full overflow-hidden rounded-full bg-slate-200"
              >
                <div className={`h-full ${storage.warning ? "bg-amber-500" : "bg-sky-600"}`} style={{ width: `${Math.min(100, percent)}%` }} />
              </div>
              <p className="mt-1 text-xs text-slate-600">{t("filesystemText", { used: formatBytes(fs.totalBytes - fs.freeBytes), total: formatBytes(fs.totalBytes), percent })}</p>
            </div>
          ) : (
            <span className="text-slate-600">{t("filesystemUnknown")}</span>
          )}
        </dd>
      </dl>
      {storage.largestProjects.length > 0 && (
        <>
          <h3 className="mt-4 mb-2 text-sm font-medium">{t("largestProjects")}</h3>
          <ol className="space-y-1 text-sm">
            {storage.largestProjects.map((p) => (
              <li key={p.id} className="flex justify-between gap-4">
                <Link href={`/projects/${p.id}/storage`} prefetch={false} className="text-sky-800 hover:underline">
                  {p.name}
                </Link>
                <span className="whitespace-nowrap text-slate-700">
                  {p.limit < 0n ? formatBytes(p.used) : t("usedOfLimit", { used: formatBytes(p.used), limit: formatBytes(p.limit) })}
                </span>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
