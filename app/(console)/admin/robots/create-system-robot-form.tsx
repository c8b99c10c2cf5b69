"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { createSystemRobotAction, type SystemRobotSecretResult } from "@/app/(console)/admin/robots/actions";
import { PermissionTable } from "@/components/robots/permission-table";
import { SecretOnce } from "@/components/robots/secret-once";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { useActionForm } from "@/lib/actions/use-action-form";
import { type PickerGrid, presetPermissions } from "@/lib/robots/picker-model";

const INITIAL: SystemRobotSecretResult = { ok: false };
const ALL_PROJECTS = "*";

type Scope = { key: number; namespace: string; selected: Set<string> };

/**
 * A system robot: one or more scopes, each "all projects" (Harbor's namespace *, which covers
 * projects created later too) or one project, with its own permission table.
 */
export function CreateSystemRobotForm({ grid, projects }: { grid: PickerGrid; projects: string[] }) {
  const fresh = (key: number, namespace = ALL_PROJECTS): Scope => ({ key, namespace, selected: new Set(presetPermissions("pull", grid).permissions) });
  const [scopes, setScopes] = useState<Scope[]>(() => [fresh(0)]);
  const [nextKey, setNextKey] = useState(1);
  const { result, errors, formProps } = useActionForm(createSystemRobotAction, INITIAL, {
    resetOnSuccess: true,
    onSuccess: () => setScopes([fresh(0)]),
  });
  const update = (key: number, change: Partial<Scope>) => setScopes((all) => all.map((s) => (s.key === key ? { ...s, ...change } : s)));
  const grantErrors = errors.grants;
  const t = useTranslations("robots");
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="new-system-robot-heading">
      <h2 id="new-system-robot-heading" className="mb-3 font-semibold">
        {t("newSystemRobot")}
      </h2>
      <SecretOnce result={result} />
      <form {...formProps} className="mt-3 space-y-4" noValidate>
        <input type="hidden" name="scopes" value={scopes.length} />
        <div className="grid gap-4 md:grid-cols-3">
          <Field label={t("name")} name="name" maxLength={128} hint={t("loginHint", { login: "robot$<name>" })} errors={errors.name} />
          <Field label={t("description")} name="description" maxLength={1024} errors={errors.description} />
          <Field label={t("expiresAfter")} name="durationDays" type="number" defaultValue={30} hint={t("neverHint")} errors={errors.durationDays} />
        </div>
        {grantErrors?.length ? (
          <p className="text-sm text-red-700" data-testid="error-grants">
            {grantErrors.join(". ")}
          </p>
        ) : null}
        {scopes.map((scope, i) => (
          <div key={scope.key} className="space-y-2 rounded-md border border-slate-200 p-3" data-testid={`robot-scope-${i}`}>
            <div className="flex flex-wrap items-end gap-3">
              <div>
                <label htmlFor={`namespace-${scope.key}`} className="block text-sm font-medium">
                  {t("projectN", { n: i + 1 })}
                </label>
                <select
                  id={`namespace-${scope.key}`}
                  name={`namespace-${i}`}
                  value={scope.namespace}
                  onChange={(e) => update(scope.key, { namespace: e.target.value })}
                  className="mt-1 block max-w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
                >
                  <option value={ALL_PROJECTS}>{t("allProjectsLater")}</option>
                  {projects.map((p) => (
                    <option key={p} value={p}>
                      {p}
                    </option>
                  ))}
                </select>
              </div>
              {scopes.length > 1 && (
                <Button type="button" variant="secondary" onClick={() => setScopes((all) => all.filter((s) => s.key !== scope.key))}>
                  {t("removeProjectN", { n: i + 1 })}
                </Button>
              )}
            </div>
            <PermissionTable
              grid={grid}
              selected={scope.selected}
              onChange={(selected) => update(scope.key, { selected })}
              name={`permissions-${i}`}
              label={t("permissionsIn", { namespace: scope.namespace === ALL_PROJECTS ? t("allProjectsLower") : scope.namespace })}
            />
          </div>
        ))}
        <div className="flex flex-wrap gap-2">
          <Button
            type="button"
            variant="secondary"
            onClick={() => {
              setScopes((all) => [...all, fresh(nextKey, projects.find((p) => !all.some((s) => s.namespace === p)) ?? ALL_PROJECTS)]);
              setNextKey((k) => k + 1);
            }}
          >
            {t("addProject")}
          </Button>
        </div>
        {!result.ok && <FormMessage result={result} />}
        <SubmitButton pendingText={t("creating")}>{t("create")}</SubmitButton>
      </form>
    </section>
  );
}
