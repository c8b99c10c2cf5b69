"use client";

import { useTranslations } from "next-intl";
import { startTransition, useActionState, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { type ActionResult, INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";

import { formatDateTime } from "@/lib/format/datetime";

const utc = (iso: string) => formatDateTime(iso, "minute");

/**
 * A background job's schedule: on or off and a 5-field UTC cron expression, with the next time it
 * fires. Everyone who may see it reads it; the form is shown only to those who may change it
 * (`canEdit`; the service refuses anyone else).
 */
export function JobScheduleForm({
  schedule,
  canEdit,
  action,
  defaultCron,
  testIdPrefix,
}: {
  schedule: { cron: string | null; nextRunAt: string | null };
  canEdit: boolean;
  action: (prev: ActionResult, formData: FormData) => Promise<ActionResult>;
  /** Offered in the field while the schedule is off. */
  defaultCron: string;
  /** e.g. `reconcile` gives `reconcile-schedule` and `reconcile-schedule-form`. */
  testIdPrefix: string;
}) {
  const [result, formAction, pending] = useActionState(action, INITIAL_ACTION_RESULT);
  // Controlled fields, submitted from onSubmit: React's reset of a form after its `action` would
  // throw away what was typed when the server answers with field errors.
  const [enabled, setEnabled] = useState(schedule.cron !== null);
  const [cron, setCron] = useState(schedule.cron ?? defaultCron);
  const errors = result.fieldErrors ?? {};
  const t = useTranslations("jobs");

  return (
    <div className="space-y-3">
      <p className="text-sm" data-testid={`${testIdPrefix}-schedule`}>
        {t("scheduleLabel")}{" "}
        {schedule.cron ? (
          <>
            <Badge tone="good">{t("on")}</Badge> <code>{schedule.cron}</code> {t("utc")}
            {schedule.nextRunAt && <span className="text-slate-600">{t("nextRun", { time: utc(schedule.nextRunAt) })}</span>}
          </>
        ) : (
          <>
            <Badge>{t("off")}</Badge> <span className="text-slate-600">{t("byHandOnly")}</span>
          </>
        )}
      </p>
      {canEdit && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const data = new FormData(e.currentTarget);
            startTransition(() => formAction(data));
          }}
          className="space-y-3 rounded-lg border border-slate-200 bg-white p-4"
          data-testid={`${testIdPrefix}-schedule-form`}
          noValidate
        >
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
            {t("runOnSchedule")}
          </label>
          <Field
            label={t("cron")}
            name="cron"
            value={cron}
            onChange={(e) => setCron(e.target.value)}
            disabled={!enabled}
            hint={t("cronHint")}
            errors={errors.cron}
          />
          <Button type="submit" disabled={pending}>
            {pending ? t("saving") : t("saveSchedule")}
          </Button>
          <FormMessage result={result} />
        </form>
      )}
    </div>
  );
}
