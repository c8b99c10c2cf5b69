import { notFound } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { translateServerText } from "@/lib/i18n/server-text";
import { requestLocale } from "@/lib/i18n/server-locale";
import type { AppError } from "@/lib/errors";

/**
 * What a page shows when the service layer refused the request (403, ...). A 404 (a missing
 * project, repository, artifact, user, or one the viewer may not see) is handed to Next's
 * notFound(): the answer is HTTP 404 with the console's not-found page, like an unknown route.
 */
export async function RefusalNotice({ error }: { error: AppError }) {
  if (error.status === 404) notFound();
  const t = await getTranslations("refusal");
  const title = error.status === 403 ? t("accessDenied") : t("cannotShow");
  return (
    <div role="alert" className="rounded-lg border border-amber-300 bg-amber-50 p-6" data-testid="refusal">
      <h1 className="text-lg font-semibold text-amber-900">{title}</h1>
      <p className="mt-1 text-sm text-amber-900">{translateServerText(error.message, await requestLocale())}</p>
    </div>
  );
}
