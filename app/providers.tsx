"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";

/**
 * A react-query client for live client state (polled panels, the members tab's user suggestions).
 * Only the modules loaded lazily after a page is interactive hold it
 * (components/live/poller.tsx, the members tab's user-suggestions.tsx): no page loads react-query
 * with its initial JavaScript.
 */
export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000 } } }));
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}
