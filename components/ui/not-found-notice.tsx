import Link from "next/link";
import { useTranslations } from "next-intl";

/** The console's one not-found page body (root and segment not-found pages render it). */
export function NotFoundNotice() {
  const t = useTranslations("notFound");
  return (
    <div role="alert" className="mx-auto max-w-xl rounded-lg border border-slate-200 bg-white p-6" data-testid="not-found">
      <h1 className="text-lg font-semibold">{t("title")}</h1>
      <p className="mt-1 text-sm text-slate-700">
        {t("text")}
      </p>
      <p className="mt-4 text-sm">
        <Link href="/projects" prefetch={false} className="text-sky-800 hover:underline">
          {t("goToProjects")}
        </Link>
      </p>
    </div>
  );
}
