"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * False on the server and while the page hydrates, true from the render right after: what
 * next/dynamic's `ssr: false` gives, without its runtime (about 1.6 KB gzip on every page that
 * uses it). Lazily loaded parts (React.lazy) render only once this is true, so their chunk is
 * fetched after the page is interactive and never in its initial JavaScript.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
