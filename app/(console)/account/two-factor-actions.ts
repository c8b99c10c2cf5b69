"use server";

import { revalidatePath } from "next/cache";
import type { ActionResult } from "@/lib/actions/action-state";
import { formAction } from "@/lib/actions/form-action";
import { getServerEnv } from "@/lib/env";
import { registryHostOf } from "@/lib/robots/kubernetes-pull-secret";
import {
  confirmTwoFactorEnrolment,
  disableTwoFactor,
  refreshCliSecret,
  regenerateRecoveryCodes,
  startTwoFactorEnrolment,
  type TwoFactorEnrolment,
} from "@/lib/services/auth/two-factor";
import { ZNoInput, ZTwoFactorCode } from "@/lib/validation/users";

/** What the set-up answers with: the secret, its otpauth URI and QR code, shown until confirmed. */
export type EnrolmentResult = ActionResult & { enrolment?: TwoFactorEnrolment };
/** Recovery codes and CLI secrets leave the server this once, in the action's answer. */
export type RecoveryCodesResult = ActionResult & { recoveryCodes?: string[] };
export type CliSecretResult = ActionResult & { secret?: string; registry?: string };

const PAGE = "/account";

export const startTwoFactorAction = formAction(
  ZNoInput,
  (_input, actor) => startTwoFactorEnrolment({ actor }),
  (_input, enrolment): EnrolmentResult => ({ ok: true, enrolment }),
  { hiddenFieldsOnly: true },
);

export const confirmTwoFactorAction = formAction(
  ZTwoFactorCode,
  (input, actor) => confirmTwoFactorEnrolment({ actor, code: input.code }),
  (_input, { recoveryCodes }): RecoveryCodesResult => {
    revalidatePath(PAGE);
    return { ok: true, message: "Two-factor sign-in is on.", recoveryCodes };
  },
);

export const regenerateRecoveryCodesAction = formAction(
  ZTwoFactorCode,
  (input, actor) => regenerateRecoveryCodes({ actor, code: input.code }),
  (_input, { recoveryCodes }): RecoveryCodesResult => {
    revalidatePath(PAGE);
    return { ok: true, message: "New recovery codes made; the old ones no longer work.", recoveryCodes };
  },
);

export const disableTwoFactorAction = formAction(
  ZTwoFactorCode,
  (input, actor) => disableTwoFactor({ actor, code: input.code }),
  () => {
    revalidatePath(PAGE);
    return { ok: true, message: "Two-factor sign-in is off." };
  },
);

export const refreshCliSecretAction = formAction(
  ZNoInput,
  (_input, actor) => refreshCliSecret({ actor }),
  (_input, { secret }): CliSecretResult => {
    revalidatePath(PAGE);
    return { ok: true, message: "New CLI secret made; the old one no longer works.", secret, registry: registryHostOf(getServerEnv().externalUrl) };
  },
  { hiddenFieldsOnly: true },
);
