"use client";

import { useTranslations } from "next-intl";
import type { CliSecretResult } from "@/app/(console)/account/two-factor-actions";
import { FormMessage } from "@/components/ui/form-message";

/**
 * The answer to "Generate a CLI secret": the secret, shown this once, with the docker login line
 * that uses it; or the refusal. Shared by the two-factor panel and an OIDC account's panel.
 */
export function CliSecretAnswer({ result, username }: { result: CliSecretResult; username: string }) {
  const t = useTranslations("twoFactor");
  if (!(result.ok && result.secret)) return <FormMessage result={result} />;
  return (
    <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm">
      <p className="font-medium text-amber-900">{t("cliOnce")}</p>
      <code className="mt-2 block rounded bg-white px-2 py-1 font-mono break-all" data-testid="cli-secret-value">
        {result.secret}
      </code>
      <p className="mt-2">{t("cliLogin")}</p>
      <code className="mt-1 block rounded bg-white px-2 py-1 font-mono text-xs break-all" data-testid="cli-secret-login">
        {`docker login ${result.registry ?? ""} -u ${username} --password-stdin`}
      </code>
    </div>
  );
}
