"use client";

import { useTranslations } from "next-intl";
import { type CliSecretResult, refreshCliSecretAction } from "@/app/(console)/account/two-factor-actions";
import { CliSecretAnswer } from "@/app/(console)/account/cli-secret-answer";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

/**
 * The CLI secret of an OIDC account (Harbor's model): its registry clients have no password to
 * send, so they log in with this secret, made (or replaced) here and shown once in the answer.
 */
export function OidcCliSecretPanel({ username, cliSecretCreatedAt }: { username: string; cliSecretCreatedAt: string | null }) {
  const t = useTranslations("oidc");
  const cli = useActionForm<CliSecretResult>(refreshCliSecretAction, INITIAL_ACTION_RESULT);
  return (
    <div className="space-y-3" data-testid="cli-secret">
      <p className="text-sm text-slate-600">{t("cliHint")}</p>
      <p className="text-sm" data-testid="cli-secret-state">
        {cliSecretCreatedAt ? t("cliMadeAt", { date: cliSecretCreatedAt }) : t("cliNone")}
      </p>
      <form {...cli.formProps}>
        <SubmitButton>{t("cliGenerate")}</SubmitButton>
      </form>
      <CliSecretAnswer result={cli.result} username={username} />
    </div>
  );
}
