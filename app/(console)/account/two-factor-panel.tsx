"use client";

import { useTranslations } from "next-intl";
import {
  type CliSecretResult,
  confirmTwoFactorAction,
  disableTwoFactorAction,
  type EnrolmentResult,
  type RecoveryCodesResult,
  refreshCliSecretAction,
  regenerateRecoveryCodesAction,
  startTwoFactorAction,
} from "@/app/(console)/account/two-factor-actions";
import { Field } from "@/components/ui/field";
import { CliSecretAnswer } from "@/app/(console)/account/cli-secret-answer";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { type ActionResult, INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

export type TwoFactorView = {
  enabled: boolean;
  /** Already formatted by the page (lib/format/datetime). */
  enabledAt: string | null;
  recoveryCodesLeft: number;
  cliSecretCreatedAt: string | null;
};

/**
 * Two-factor sign-in on the account page: set-up (QR code, the secret as text, a code to
 * confirm), the recovery codes and the CLI secret shown once in the answer that made them, and
 * with two-factor on, new recovery codes and turning it off, each proved with a code. Every action
 * hook lives here, so what an answer carried stays on screen when the page re-renders for the new
 * state.
 */
export function TwoFactorPanel({ status, username }: { status: TwoFactorView; username: string }) {
  const t = useTranslations("twoFactor");
  const start = useActionForm<EnrolmentResult>(startTwoFactorAction, INITIAL_ACTION_RESULT);
  const confirm = useActionForm<RecoveryCodesResult>(confirmTwoFactorAction, INITIAL_ACTION_RESULT);
  const regenerate = useActionForm<RecoveryCodesResult>(regenerateRecoveryCodesAction, INITIAL_ACTION_RESULT, { resetOnSuccess: true });
  const disable = useActionForm<ActionResult>(disableTwoFactorAction, INITIAL_ACTION_RESULT, { resetOnSuccess: true });
  const cli = useActionForm<CliSecretResult>(refreshCliSecretAction, INITIAL_ACTION_RESULT);
  const recoveryCodes = (regenerate.result.ok && regenerate.result.recoveryCodes) || (confirm.result.ok && confirm.result.recoveryCodes) || null;
  const enrolment = start.result.ok ? start.result.enrolment : undefined;

  return (
    <div className="space-y-6" data-testid="two-factor">
      {recoveryCodes && <RecoveryCodesOnce codes={recoveryCodes} />}

      {!status.enabled ? (
        <div className="space-y-4">
          <p className="text-sm" data-testid="two-factor-state">
            {t("off")}
          </p>
          {disable.result.ok && <FormMessage result={disable.result} />}
          <form {...start.formProps}>
            <SubmitButton>{enrolment ? t("restart") : t("setUp")}</SubmitButton>
            <FormMessage result={start.result.ok ? { ok: false } : start.result} />
          </form>
          {enrolment && (
            <div className="space-y-3 rounded-md border border-slate-200 p-4" data-testid="two-factor-enrolment">
              <p className="text-sm">{t("scan")}</p>
              {/* eslint-disable-next-line @next/next/no-img-element -- a data: URI made on the server, nothing to optimise */}
              <img src={`data:image/svg+xml;utf8,${encodeURIComponent(enrolment.qrSvg)}`} alt={t("qrAlt")} width={192} height={192} className="h-48 w-48" />
              <p className="text-sm">
                {t("orType")}{" "}
                <code className="rounded bg-slate-100 px-1 font-mono break-all" data-testid="two-factor-secret">
                  {enrolment.secret}
                </code>
              </p>
              <form {...confirm.formProps} className="space-y-3">
                <Field label={t("code")} name="code" autoComplete="one-time-code" inputMode="numeric" maxLength={32} errors={confirm.result.fieldErrors?.code} />
                <SubmitButton>{t("confirm")}</SubmitButton>
                <FormMessage result={confirm.result} />
              </form>
            </div>
          )}
        </div>
      ) : (
        <div className="space-y-6">
          <p className="text-sm" data-testid="two-factor-state">
            {t("on", { date: status.enabledAt ?? "" })} {t("recoveryLeft", { count: status.recoveryCodesLeft })}
          </p>
          {confirm.result.ok && <FormMessage result={confirm.result} />}

          <div className="space-y-2" data-testid="cli-secret">
            <h3 className="text-sm font-semibold">{t("cliHeading")}</h3>
            <p className="text-sm text-slate-600">{status.cliSecretCreatedAt ? t("cliMadeAt", { date: status.cliSecretCreatedAt }) : t("cliNone")}</p>
            <form {...cli.formProps}>
              <SubmitButton>{t("cliGenerate")}</SubmitButton>
            </form>
            <CliSecretAnswer result={cli.result} username={username} />
          </div>

          <form {...regenerate.formProps} className="space-y-3" data-testid="regenerate-recovery-codes">
            <h3 className="text-sm font-semibold">{t("regenerateHeading")}</h3>
            <Field label={t("code")} name="code" autoComplete="one-time-code" maxLength={32} errors={regenerate.result.fieldErrors?.code} />
            <SubmitButton>{t("regenerate")}</SubmitButton>
            <FormMessage result={regenerate.result} />
          </form>

          <form {...disable.formProps} className="space-y-3" data-testid="disable-two-factor">
            <h3 className="text-sm font-semibold">{t("disableHeading")}</h3>
            <p className="text-sm text-slate-600">{t("disableHint")}</p>
            <Field label={t("code")} name="code" autoComplete="one-time-code" maxLength={32} errors={disable.result.fieldErrors?.code} />
            <SubmitButton variant="danger">{t("disable")}</SubmitButton>
            <FormMessage result={disable.result} />
          </form>
        </div>
      )}
    </div>
  );
}

function RecoveryCodesOnce({ codes }: { codes: string[] }) {
  const t = useTranslations("twoFactor");
  return (
    <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm" data-testid="recovery-codes">
      <p className="font-medium text-amber-900">{t("recoveryOnce")}</p>
      <ul className="mt-2 grid grid-cols-2 gap-1 font-mono">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
    </div>
  );
}
