"use client";

import { useTranslations } from "next-intl";
import { useActionState, useState } from "react";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { type ActionResult, INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import type { RetentionRule } from "@/lib/policy/retention";
import { RETENTION_RULES_MAX, RETENTION_TEMPLATES, type RetentionTemplate } from "@/lib/policy/retention-templates";

/** The messages of a rule's label selector, wherever in it the service found them. */
function labelErrors(errors: Record<string, string[]>, index: number): string[] | undefined {
  const prefix = `rules.${index}.labels`;
  const found = Object.entries(errors)
    .filter(([key]) => key === prefix || key.startsWith(`${prefix}.`))
    .flatMap(([, messages]) => messages);
  return found.length ? found : undefined;
}

/**
 * The retention policy editor, for a project's policy and for the system default alike. The rules
 * live in client state (numbers as typed, so "12a" stays in its box next to its message) and go to
 * the action as one JSON field; the service validates and answers with messages keyed by path
 * (`rules.2.count`, `rules.0.tags.pattern`, `schedule`), shown at those fields.
 */

type Decoration = "matches" | "excludes";
type Kind = "doublestar" | "regex";
type DraftSelector = { decoration: Decoration; kind: Kind; pattern: string };
type DraftRule = {
  template: RetentionTemplate;
  /** K or N as typed. */
  param: string;
  repositories: DraftSelector;
  tags: DraftSelector & { untagged: boolean };
  /** Harbor's label selector: the names as typed, comma-separated (empty: none). */
  labelDecoration: "withLabels" | "withoutLabels";
  labelNames: string;
  disabled: boolean;
};

const NEW_RULE: DraftRule = {
  template: "latestPushedK",
  param: "10",
  repositories: { decoration: "matches", kind: "doublestar", pattern: "**" },
  tags: { decoration: "matches", kind: "doublestar", pattern: "**", untagged: false },
  labelDecoration: "withLabels",
  labelNames: "",
  disabled: false,
};

function draftOf(rule: RetentionRule): DraftRule {
  const param = "count" in rule ? String(rule.count) : "days" in rule ? String(rule.days) : "";
  return {
    template: rule.template,
    param,
    repositories: { ...rule.repositories },
    tags: { ...rule.tags },
    labelDecoration: rule.labels?.decoration ?? "withLabels",
    labelNames: rule.labels?.labels.join(", ") ?? "",
    disabled: rule.disabled,
  };
}

/** A whole number as a number; anything else as typed, so the service's message names the problem. */
function numberOrText(text: string): number | string {
  return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
}

function ruleOf(draft: DraftRule): Record<string, unknown> {
  const names = draft.labelNames
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  const labels = names.length ? { decoration: draft.labelDecoration, labels: names } : null;
  const base = { template: draft.template, repositories: draft.repositories, tags: draft.tags, labels, disabled: draft.disabled };
  if (draft.template === "latestPushedK" || draft.template === "latestPulledN") return { ...base, count: numberOrText(draft.param) };
  if (draft.template === "nDaysSinceLastPush" || draft.template === "nDaysSinceLastPull") return { ...base, days: numberOrText(draft.param) };
  return base;
}

function Errors({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <p id={id} className="text-sm text-red-700" data-testid={`error-${id}`}>
      {errors.join(". ")}
    </p>
  );
}

const inputClass = (invalid: boolean) =>
  `rounded-md border px-2 py-1.5 text-sm shadow-sm focus:border-sky-600 focus:outline-none ${invalid ? "border-red-500" : "border-slate-300"}`;

function SelectorEditor({
  legend,
  prefix,
  value,
  onChange,
  errors,
  readOnly,
}: {
  legend: string;
  prefix: string;
  value: DraftSelector & { untagged?: boolean };
  onChange: (next: DraftSelector & { untagged?: boolean }) => void;
  errors: Record<string, string[]>;
  readOnly: boolean;
}) {
  const patternErrors = errors[`${prefix}.pattern`];
  const other = [errors[prefix], errors[`${prefix}.decoration`], errors[`${prefix}.kind`], errors[`${prefix}.untagged`]].flat().filter((m): m is string => Boolean(m));
  const t = useTranslations("policy");
  return (
    <fieldset className="space-y-1" disabled={readOnly}>
      <legend className="text-sm font-medium text-slate-800">{legend}</legend>
      <div className="flex flex-wrap items-center gap-2">
        <select aria-label={t("matchingOrExcluding", { legend })} className={inputClass(false)} value={value.decoration} onChange={(e) => onChange({ ...value, decoration: e.target.value as Decoration })}>
          <option value="matches">{t("matching")}</option>
          <option value="excludes">{t("excluding")}</option>
        </select>
        <select aria-label={t("patternKind", { legend })} className={inputClass(false)} value={value.kind} onChange={(e) => onChange({ ...value, kind: e.target.value as Kind })}>
          <option value="doublestar">{t("doublestar")}</option>
          <option value="regex">{t("regex")}</option>
        </select>
        <input
          aria-label={t("pattern", { legend })}
          aria-invalid={patternErrors?.length ? true : undefined}
          aria-describedby={patternErrors?.length ? `${prefix}.pattern` : undefined}
          className={`${inputClass(Boolean(patternErrors?.length))} min-w-40 flex-1 font-mono`}
          value={value.pattern}
          maxLength={256}
          onChange={(e) => onChange({ ...value, pattern: e.target.value })}
        />
        {value.untagged !== undefined && (
          <label className="flex items-center gap-1 text-sm">
            <input type="checkbox" checked={value.untagged} onChange={(e) => onChange({ ...value, untagged: e.target.checked })} />
            {t("untaggedArtifacts")}
          </label>
        )}
      </div>
      <Errors id={`${prefix}.pattern`} errors={patternErrors} />
      <Errors id={`${prefix}.other`} errors={other.length ? other : undefined} />
    </fieldset>
  );
}

export function RetentionPolicyForm({
  action,
  hidden,
  rules,
  schedule,
  enabled,
  readOnly,
  saveLabel,
}: {
  action: (prev: ActionResult, formData: FormData) => Promise<ActionResult>;
  /** Hidden fields the action needs besides the policy (the project id). */
  hidden: Record<string, string | number>;
  rules: RetentionRule[];
  schedule: string | null;
  enabled: boolean;
  readOnly: boolean;
  saveLabel?: string;
}) {
  const [result, formAction] = useActionState(action, INITIAL_ACTION_RESULT);
  const [drafts, setDrafts] = useState<DraftRule[]>(() => rules.map(draftOf));
  const [cron, setCron] = useState(schedule ?? "");
  const [on, setOn] = useState(enabled);
  const errors = result.ok ? {} : (result.fieldErrors ?? {});
  const policy = JSON.stringify({ rules: drafts.map(ruleOf), schedule: cron.trim() === "" ? null : cron.trim(), enabled: on });
  const update = (index: number, next: Partial<DraftRule>) => setDrafts((all) => all.map((d, i) => (i === index ? { ...d, ...next } : d)));
  const t = useTranslations("policy");
  const tl = useTranslations("labels");

  return (
    <form action={formAction} className="space-y-4" noValidate data-testid="retention-form">
      {Object.entries(hidden).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <input type="hidden" name="policy" value={policy} />
      <p className="text-sm text-slate-600">{t("rulesIntro", { max: RETENTION_RULES_MAX })}</p>
      <Errors id="rules" errors={errors.rules} />
      <ol className="space-y-3">
        {drafts.map((draft, index) => {
          const paramKey = draft.template === "latestPushedK" || draft.template === "latestPulledN" ? "count" : "days";
          const paramErrors = errors[`rules.${index}.${paramKey}`];
          return (
            <li key={index} className="rounded-md border border-slate-200 p-3" data-testid={`retention-rule-${index + 1}`}>
              <div className="mb-2 flex flex-wrap items-center gap-2">
                <span className="text-sm font-semibold">{t("ruleN", { n: index + 1 })}</span>
                <select
                  aria-label={t("ruleTemplate", { n: index + 1 })}
                  className={inputClass(false)}
                  value={draft.template}
                  disabled={readOnly}
                  onChange={(e) => update(index, { template: e.target.value as RetentionTemplate })}
                >
                  {RETENTION_TEMPLATES.map((template) => (
                    <option key={template} value={template}>
                      {t(`template.${template}`)}
                    </option>
                  ))}
                </select>
                {draft.template !== "always" && (
                  <input
                    aria-label={paramKey === "count" ? t("ruleCount", { n: index + 1 }) : t("ruleDays", { n: index + 1 })}
                    aria-invalid={paramErrors?.length ? true : undefined}
                    className={`${inputClass(Boolean(paramErrors?.length))} w-28`}
                    inputMode="numeric"
                    value={draft.param}
                    readOnly={readOnly}
                    onChange={(e) => update(index, { param: e.target.value })}
                  />
                )}
                <label className="flex items-center gap-1 text-sm">
                  <input type="checkbox" checked={draft.disabled} disabled={readOnly} onChange={(e) => update(index, { disabled: e.target.checked })} />
                  {t("ruleDisabled")}
                </label>
                {!readOnly && (
                  <Button type="button" variant="secondary" onClick={() => setDrafts((all) => all.filter((_, i) => i !== index))}>
                    {t("removeRule", { n: index + 1 })}
                  </Button>
                )}
              </div>
              <Errors id={`rules.${index}.${paramKey}`} errors={paramErrors} />
              <Errors id={`rules.${index}`} errors={[errors[`rules.${index}`], errors[`rules.${index}.template`]].flat().filter((m): m is string => Boolean(m))} />
              <div className="grid gap-3 md:grid-cols-2">
                <SelectorEditor
                  legend={t("ruleRepositories", { n: index + 1 })}
                  prefix={`rules.${index}.repositories`}
                  value={draft.repositories}
                  onChange={(next) => update(index, { repositories: next })}
                  errors={errors}
                  readOnly={readOnly}
                />
                <SelectorEditor
                  legend={t("ruleTags", { n: index + 1 })}
                  prefix={`rules.${index}.tags`}
                  value={draft.tags}
                  onChange={(next) => update(index, { tags: { ...draft.tags, ...next } })}
                  errors={errors}
                  readOnly={readOnly}
                />
              </div>
              <fieldset className="mt-3 space-y-1" disabled={readOnly}>
                <legend className="text-sm font-medium text-slate-800">{tl("retentionLabels")}</legend>
                <div className="flex flex-wrap items-center gap-2">
                  <select
                    aria-label={t("matchingOrExcluding", { legend: tl("retentionLabels") })}
                    className={inputClass(false)}
                    value={draft.labelDecoration}
                    onChange={(e) => update(index, { labelDecoration: e.target.value as DraftRule["labelDecoration"] })}
                  >
                    <option value="withLabels">{tl("withLabels")}</option>
                    <option value="withoutLabels">{tl("withoutLabels")}</option>
                  </select>
                  <input
                    aria-label={tl("retentionLabels")}
                    aria-invalid={labelErrors(errors, index) ? true : undefined}
                    aria-describedby={`rules.${index}.labels-hint`}
                    className={`${inputClass(Boolean(labelErrors(errors, index)))} min-w-40 flex-1`}
                    value={draft.labelNames}
                    onChange={(e) => update(index, { labelNames: e.target.value })}
                    data-testid={`retention-rule-${index + 1}-labels`}
                  />
                </div>
                <p id={`rules.${index}.labels-hint`} className="text-xs text-slate-500">
                  {tl("retentionLabelsHint")}
                </p>
                <Errors id={`rules.${index}.labels`} errors={labelErrors(errors, index)} />
              </fieldset>
            </li>
          );
        })}
        {drafts.length === 0 && <li className="text-sm text-slate-600">{t("noRules")}</li>}
      </ol>
      {!readOnly && (
        <Button type="button" variant="secondary" disabled={drafts.length >= RETENTION_RULES_MAX} onClick={() => setDrafts((all) => [...all, structuredClone(NEW_RULE)])}>
          {t("addRule")}
        </Button>
      )}
      <div className="grid gap-4 md:grid-cols-2">
        <div className="space-y-1">
          <label htmlFor="retention-schedule" className="block text-sm font-medium text-slate-800">
            {t("schedule")}
          </label>
          <input
            id="retention-schedule"
            aria-invalid={errors.schedule?.length ? true : undefined}
            aria-describedby="retention-schedule-hint"
            className={`${inputClass(Boolean(errors.schedule?.length))} block w-full font-mono`}
            value={cron}
            readOnly={readOnly}
            placeholder="0 3 * * *"
            onChange={(e) => setCron(e.target.value)}
          />
          <p id="retention-schedule-hint" className="text-xs text-slate-500">
            {t("scheduleHint")}
          </p>
          <Errors id="schedule" errors={errors.schedule} />
        </div>
        <label className="flex items-center gap-2 self-center text-sm">
          <input type="checkbox" checked={on} disabled={readOnly} onChange={(e) => setOn(e.target.checked)} />
          {t("policyEnabled")}
        </label>
      </div>
      <Errors id="policy" errors={errors.policy ?? errors.enabled} />
      <FormMessage result={result} />
      {!readOnly && <SubmitButton pendingText={t("saving")}>{saveLabel ?? t("savePolicy")}</SubmitButton>}
    </form>
  );
}
