import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { NotFoundNotice } from "@/components/ui/not-found-notice";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("notFound"))("title") };
}

/** notFound() from a console page or layout (missing project, repository, artifact): inside the shell. */
export default function ConsoleNotFound() {
  return <NotFoundNotice />;
}
