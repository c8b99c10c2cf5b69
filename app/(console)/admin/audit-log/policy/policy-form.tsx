"use client";

import { useTranslations } from "next-intl";
import { startTransition, useActionState, useState } from "react";
import { updatePurgePolicyAction } from "@/app/(console)/admin/audit-log/policy/actions";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Button } from "@/components/ui/button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";

type Preset = "none" | "hourly" | "daily" | "weekly" | "custom";

const PRESETS: Preset[] = ["none", "hourly", "daily", "weekly", "custom"];

export function PolicyForm({
  policy,
  canEdit,
}: {
  policy: { retentionDays: number; enabled: boolean; preset: Preset; cron: string };
  canEdit: boolean;
}) {
  const [result, formAction, pending] = useActionState(updatePurgePolicyAction, INITIAL_ACTION_RESULT);
  // Controlled fields, submitted from onSubmit rather than the form's `action`: React resets a form
  // after its action runs, which would throw away what was typed (and desync the select) when the
  // server answers with field errors.
  const [preset, setPreset] = useState<Preset>(policy.preset);
  const [days, setDays] = useState(String(policy.retentionDays));
  const [cron, setCron] = useState(policy.cron);
  const [enabled, setEnabled] = useState(policy.enabled);
  const errors = result.fieldErrors ?? {};
  const t = useTranslations("auditPolicy");
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        startTransition(() => formAction(data));
      }}
      className="space-y-4"
      data-testid="purge-policy-form"
      noValidate
    >
      <fieldset disabled={!canEdit} className="space-y-4">
        <Field
          label={t("keepDays")}
          name="retentionDays"
          type="number"
          min={1}
          max={36500}
          value={days}
          onChange={(e) => setDays(e.target.value)}
          errors={errors.retentionDays}
          hint={t("keepDaysHint")}
        />
        <div className="space-y-1">
          <label htmlFor="field-schedulePreset" className="block text-sm font-medium text-slate-800">
            {t("schedule")}
          </label>
          <select
            id="field-schedulePreset"
            name="schedulePreset"
            value={preset}
            onChange={(e) => setPreset(e.target.value as Preset)}
            className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm"
          >
            {PRESETS.map((p) => (
              <option key={p} value={p}>
                {t(`preset.${p}`)}
              </option>
            ))}
          </select>
          {errors.schedulePreset && <p className="text-sm text-red-700">{errors.schedulePreset.join(". ")}</p>}
        </div>
        {preset === "custom" && (
          <Field
            label={t("cron")}
            name="cron"
            value={cron}
            onChange={(e) => setCron(e.target.value)}
            errors={errors.cron}
            placeholder="30 2 * * *"
            hint={t("cronHint")}
          />
        )}
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          {t("runOnSchedule")}
        </label>
      </fieldset>
      {canEdit && (
        <Button type="submit" disabled={pending}>
          {pending ? t("saving") : t("savePolicy")}
        </Button>
      )}
      <FormMessage result={result} />
    </form>
  );
}
