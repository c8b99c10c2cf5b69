import type { Metadata } from "next";
import { NotFoundNotice } from "@/components/ui/not-found-notice";

export const metadata: Metadata = { title: "Not found" };

/** notFound() from a console page or layout (missing project, repository, artifact): inside the shell. */
export default function ConsoleNotFound() {
  return <NotFoundNotice />;
}
