import type { ReactNode } from "react";
import { Providers } from "@/app/providers";

/** react-query for this page's polled panel; held here, not in the console shell, so other pages do not load it. */
export default function QueryLayout({ children }: { children: ReactNode }) {
  return <Providers>{children}</Providers>;
}
