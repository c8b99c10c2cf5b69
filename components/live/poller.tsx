"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Providers } from "@/app/providers";

/** What a polled query shows: the data, the last refresh's error (the data is kept), and when the data was read. */
export type PollState<T> = { data: T; error: Error | null; dataUpdatedAt: number };

export type PollerProps<T> = {
  /** react-query's key (one per panel). */
  queryKey: string;
  queryFn: () => Promise<T>;
  /** What the panel shows now (the server's data at first): the query's initial data. */
  initialData: T;
  initialDataUpdatedAt?: number;
  /** Milliseconds to the next refresh, from the data shown. */
  refetchInterval: (data: T | undefined) => number;
  /** Receives every change of the query's state; the panel draws it. */
  onUpdate: (state: PollState<T>) => void;
  /** Raised by the panel after a change (a Start, a save): the query is invalidated, so it refreshes now. */
  refreshKey: number;
};

/**
 * The react-query loop behind a polled panel, loaded lazily once the page is interactive
 * (components/live/use-poll.tsx): the panel is rendered on the server from the
 * server's data and drawn by a plain client component, so react-query is not in any page's initial
 * JavaScript (issue 16). Renders nothing; it hands each state of the query to the panel.
 */
export default function Poller<T>(props: PollerProps<T>) {
  return (
    <Providers>
      <Query {...props} />
    </Providers>
  );
}

function Query<T>({ queryKey, queryFn, initialData, initialDataUpdatedAt, refetchInterval, onUpdate, refreshKey }: PollerProps<T>) {
  const queryClient = useQueryClient();
  const { data, error, dataUpdatedAt } = useQuery({
    queryKey: [queryKey],
    queryFn,
    initialData,
    initialDataUpdatedAt,
    refetchInterval: (query) => refetchInterval(query.state.data),
  });
  useEffect(() => {
    // Never undefined: the query starts from initialData (TypeScript cannot tell for a generic T).
    onUpdate({ data: data as T, error, dataUpdatedAt });
  }, [onUpdate, data, error, dataUpdatedAt]);
  useEffect(() => {
    // Also at mount when the panel changed something before this loaded.
    if (refreshKey > 0) void queryClient.invalidateQueries({ queryKey: [queryKey] });
  }, [queryClient, queryKey, refreshKey]);
  return null;
}
