"use client";

import { type ComponentType, lazy, type ReactNode, Suspense, useCallback, useState } from "react";
import type { PollerProps, PollState } from "@/components/live/poller";
import { useHydrated } from "@/components/live/use-hydrated";

/*
 * react-query (about 12 KB gzip) and its provider come with the poller, its own chunk fetched once
 * the page is interactive, as the dashboard's charts are: until then the panel shows what the
 * server rendered. React.lazy rendered after hydration is next/dynamic's `ssr: false` without
 * next/dynamic's runtime. Never import components/live/poller statically (lib/client-imports.test.ts).
 */
const LazyPoller = lazy(() => import("@/components/live/poller")) as unknown as ComponentType<PollerProps<unknown>>;

/**
 * A polled panel's state without react-query in the page's initial JavaScript: `data` starts as
 * the server's and is replaced by the lazily loaded poller's (react-query with `refetchInterval`);
 * render `poller` anywhere in the panel. `refresh()` (stable) refetches now, as invalidating the
 * query did: call it after a change the panel made.
 */
export function usePoll<T>({
  key,
  initial,
  initialUpdatedAt,
  read,
  interval,
}: {
  key: string;
  initial: T;
  /** When the server read `initial` (epoch ms); default: when the poller starts. */
  initialUpdatedAt?: number;
  read: () => Promise<T>;
  interval: (data: T | undefined) => number;
}): PollState<T> & { refresh: () => void; poller: ReactNode } {
  const [state, setState] = useState<PollState<T>>(() => ({ data: initial, error: null, dataUpdatedAt: initialUpdatedAt ?? 0 }));
  const [refreshKey, setRefreshKey] = useState(0);
  const refresh = useCallback(() => setRefreshKey((n) => n + 1), []);
  const onUpdate = useCallback((next: PollState<unknown>) => setState(next as PollState<T>), []);
  const hydrated = useHydrated();
  const poller = hydrated && (
    <Suspense fallback={null}>
      <LazyPoller
        queryKey={key}
        queryFn={read as () => Promise<unknown>}
        initialData={state.data}
        initialDataUpdatedAt={initialUpdatedAt}
        refetchInterval={interval as (data: unknown) => number}
        onUpdate={onUpdate}
        refreshKey={refreshKey}
      />
    </Suspense>
  );
  return { ...state, refresh, poller };
}
