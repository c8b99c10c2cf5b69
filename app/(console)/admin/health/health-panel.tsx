"use client";

import { useQuery } from "@tanstack/react-query";
import { Badge } from "@/components/ui/badge";
import type { SystemHealth } from "@/lib/services/system/health-types";
import { formatTimeOfDay } from "@/lib/format/datetime";

const LABELS: Record<string, string> = {
  core: "Core (this Wharf process)",
  database: "Database (Postgres)",
  registry: "Registry (Distribution)",
};

async function fetchHealth(): Promise<SystemHealth> {
  const res = await fetch("/api/v2.0/health", { cache: "no-store" });
  if (!res.ok) throw new Error(`Health check answered ${res.status}`);
  return res.json();
}

/**
 * `checkedAt` is the server's time of the first check (epoch ms): without it react-query stamps the
 * initial data with Date.now() separately on the server and in the browser, and the two renders of
 * "Last checked" differ (React hydration error #418).
 */
export function HealthPanel({ initial, checkedAt }: { initial: SystemHealth; checkedAt: number }) {
  const { data, error, dataUpdatedAt } = useQuery({
    queryKey: ["system-health"],
    queryFn: fetchHealth,
    initialData: initial,
    initialDataUpdatedAt: checkedAt,
    refetchInterval: 10_000,
  });
  return (
    <div className="max-w-2xl space-y-4">
      <p className="text-sm" data-testid="health-overall">
        Overall:{" "}
        <Badge tone={data.status === "healthy" ? "good" : "bad"}>{data.status}</Badge>
        {error && <span className="ml-2 text-red-700">Could not refresh: {error.message}</span>}
      </p>
      <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
        {data.components.map((component) => (
          <li key={component.name} className="flex items-start justify-between gap-4 px-4 py-3" data-testid={`health-${component.name}`}>
            <div>
              <p className="font-medium">{LABELS[component.name] ?? component.name}</p>
              {component.error && <p className="mt-0.5 text-sm text-red-700">{component.error}</p>}
            </div>
            <Badge tone={component.status === "healthy" ? "good" : "bad"}>{component.status}</Badge>
          </li>
        ))}
      </ul>
      <p className="text-xs text-slate-500">Last checked {formatTimeOfDay(dataUpdatedAt)}</p>
    </div>
  );
}
