import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { NotFoundNotice } from "@/components/ui/not-found-notice";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("notFound"))("title") };
}

/** Unknown routes and notFound() outside the console shell: HTTP 404 with the console's page. */
export default function NotFound() {
  return (
    <main id="main" className="px-6 py-16">
      <NotFoundNotice />
    </main>
  );
}
