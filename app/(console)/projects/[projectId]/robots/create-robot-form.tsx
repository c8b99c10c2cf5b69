"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { createProjectRobotAction, type RobotSecretResult } from "@/app/(console)/projects/[projectId]/robots/actions";
import { PermissionTable } from "@/components/robots/permission-table";
import { SecretOnce } from "@/components/robots/secret-once";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { useActionForm } from "@/lib/actions/use-action-form";
import { type PickerGrid, presetPermissions } from "@/lib/robots/picker-model";

const INITIAL: RobotSecretResult = { ok: false };

export function CreateRobotForm({ projectId, projectName, grid }: { projectId: number; projectName: string; grid: PickerGrid }) {
  // Push and pull is what most robots are for, so a new form starts there.
  const initialSelection = () => new Set(presetPermissions("push-pull", grid).permissions);
  const [selected, setSelected] = useState<Set<string>>(initialSelection);
  const { result, formProps } = useActionForm(createProjectRobotAction, INITIAL, {
    resetOnSuccess: true,
    onSuccess: () => setSelected(initialSelection()),
  });
  const errors = result.fieldErrors ?? {};
  const t = useTranslations("robots");
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="new-robot-heading">
      <h2 id="new-robot-heading" className="mb-3 font-semibold">
        {t("newRobot")}
      </h2>
      <SecretOnce result={result} />
      <form {...formProps} className="mt-3 space-y-4" noValidate>
        <input type="hidden" name="projectId" value={projectId} />
        <div className="grid gap-4 md:grid-cols-3">
          <Field label={t("name")} name="name" maxLength={128} hint={t("loginHint", { login: "robot$" + projectName + "+<name>" })} errors={errors.name} />
          <Field label={t("description")} name="description" maxLength={1024} errors={errors.description} />
          <Field label={t("expiresAfter")} name="durationDays" type="number" defaultValue={30} hint={t("neverHint")} errors={errors.durationDays} />
        </div>
        <PermissionTable grid={grid} selected={selected} onChange={setSelected} errors={errors.permissions} />
        {!result.ok && <FormMessage result={result} />}
        <SubmitButton pendingText={t("creating")}>{t("create")}</SubmitButton>
      </form>
    </section>
  );
}
