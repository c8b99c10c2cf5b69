"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";

/**
 * One react-query client per browser tab, for live client state (polled panels). Held by the layouts
 * of the routes that poll (admin/health, admin/vulnerability-db, admin/audit-log/policy, a project's
 * members), not the console shell: the other pages do not load react-query.
 */
export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000 } } }));
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}
