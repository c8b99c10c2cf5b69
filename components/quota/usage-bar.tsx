import { getTranslations } from "next-intl/server";
import { formatBytes } from "@/lib/format/bytes";

/**
 * A project's storage usage against its limit: an accessible progressbar (named, with the figures
 * as its value text) filled to the share used; amber from 85%, red at or over the limit. An
 * unlimited project shows its usage alone.
 */
export async function UsageBar({ used, limit, name, compact = false }: { used: bigint; limit: bigint; name: string; compact?: boolean }) {
  const t = await getTranslations("quota");
  if (limit < 0n) {
    return (
      <span className="text-sm whitespace-nowrap" data-testid="quota-usage">
        {t("usedUnlimited", { used: formatBytes(used) })}
      </span>
    );
  }
  const percent = limit === 0n ? (used > 0n ? 100 : 0) : Math.min(100, Math.round((Number(used) / Number(limit)) * 1000) / 10);
  const text = t("usedOf", { used: formatBytes(used), limit: formatBytes(limit), percent });
  const tone = percent >= 100 ? "bg-red-600" : percent >= 85 ? "bg-amber-500" : "bg-sky-600";
  return (
    <div className={compact ? "min-w-40" : "max-w-md"} data-testid="quota-usage">
      <div
        role="progressbar"
        aria-label={t("barLabel", { name })}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={text}
        className="h-2 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <div className={`h-full ${tone}`} style={{ width: `${percent}%` }} />
      </div>
      <p className="mt-1 text-xs whitespace-nowrap text-slate-600">{text}</p>
    </div>
  );
}
