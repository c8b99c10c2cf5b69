"use client";

import { useTranslations } from "next-intl";
import { usePoll } from "@/components/live/use-poll";
import { Badge } from "@/components/ui/badge";
import type { SystemHealth } from "@/lib/services/system/health-types";
import { formatTimeOfDay } from "@/lib/format/datetime";

const COMPONENTS = new Set(["core", "database", "registry"]);

async function fetchHealth(): Promise<SystemHealth> {
  const res = await fetch("/api/v2.0/health", { cache: "no-store" });
  if (!res.ok) throw new Error(`Health check answered ${res.status}`);
  return res.json();
}

/**
 * `checkedAt` is the server's time of the first check (epoch ms): without it the initial data would
 * be stamped with Date.now() separately on the server and in the browser, and the two renders of
 * "Last checked" would differ (React hydration error #418). Drawn from the server's check; the
 * poller (react-query, loaded after the page) re-checks every 10 s.
 */
export function HealthPanel({ initial, checkedAt }: { initial: SystemHealth; checkedAt: number }) {
  const { data, error, dataUpdatedAt, poller } = usePoll({
    key: "system-health",
    initial,
    initialUpdatedAt: checkedAt,
    read: fetchHealth,
    interval: () => 10_000,
  });
  const t = useTranslations("health");
  const status = (s: string) => (s === "healthy" || s === "unhealthy" ? t(`status.${s}`) : s);
  return (
    <div className="max-w-2xl space-y-4">
      {poller}
      <p className="text-sm" data-testid="health-overall">
        {t("overall")}{" "}
        <Badge tone={data.status === "healthy" ? "good" : "bad"}>{status(data.status)}</Badge>
        {error && <span className="ml-2 text-red-700">{t("refreshFailed", { error: error.message })}</span>}
      </p>
      <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
        {data.components.map((component) => (
          <li key={component.name} className="flex items-start justify-between gap-4 px-4 py-3" data-testid={`health-${component.name}`}>
            <div>
              <p className="font-medium">{COMPONENTS.has(component.name) ? t(`components.${component.name}`) : component.name}</p>
              {component.error && <p className="mt-0.5 text-sm text-red-700">{component.error}</p>}
            </div>
            <Badge tone={component.status === "healthy" ? "good" : "bad"}>{status(component.status)}</Badge>
          </li>
        ))}
      </ul>
      <p className="text-xs text-slate-500">{t("lastChecked", { time: formatTimeOfDay(dataUpdatedAt) })}</p>
    </div>
  );
}
