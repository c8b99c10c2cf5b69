"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { useActionState, useState } from "react";
import {
  deleteImmutableRuleAction,
  saveImmutableRuleAction,
  saveNamingPolicyAction,
  setImmutableRuleDisabledAction,
  retryRetentionRunAction,
  startRetentionRunAction,
  type StartRunResult,
  stopRetentionRunAction,
} from "@/app/(console)/projects/[projectId]/policy/actions";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmActionForm } from "@/components/ui/confirm-dialog";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";

const INITIAL_RUN: StartRunResult = { ok: false };

/** Run now and Dry run. The real run asks first, in the confirmation dialog: a deletion cannot be undone. */
export function RunControls({ projectId }: { projectId: number }) {
  const [dry, dryAction] = useActionState(startRetentionRunAction, INITIAL_RUN);
  const t = useTranslations("policy");
  const openLink = (result: StartRunResult) =>
    result.ok &&
    result.executionId && (
      <p className="text-sm">
        <Link prefetch={false} className="text-sky-800 hover:underline" href={`/projects/${projectId}/policy/executions/${result.executionId}`}>
          {t("openExecution", { id: result.executionId })}
        </Link>
      </p>
    );
  return (
    <div className="space-y-2" data-testid="run-controls">
      <div className="flex flex-wrap items-start gap-2">
        <form action={dryAction}>
          <input type="hidden" name="projectId" value={projectId} />
          <input type="hidden" name="dryRun" value="true" />
          <SubmitButton variant="secondary" pendingText={t("starting")}>{t("dryRun")}</SubmitButton>
        </form>
        <ConfirmActionForm
          action={startRetentionRunAction}
          initial={INITIAL_RUN}
          fields={{ projectId, dryRun: "false" }}
          triggerLabel={t("runNow")}
          title={t("runTitle")}
          description={t("runDescription")}
          confirmLabel={t("runAndDelete")}
          pendingText={t("starting")}
        >
          {openLink}
        </ConfirmActionForm>
      </div>
      <FormMessage result={dry} />
      {openLink(dry)}
    </div>
  );
}

export function StopExecutionButton({ projectId, executionId }: { projectId: number; executionId: number }) {
  const t = useTranslations("policy");
  return (
    <ConfirmActionForm
      action={stopRetentionRunAction}
      fields={{ projectId, executionId }}
      triggerLabel={t("stop")}
      title={t("stopTitle", { id: executionId })}
      description={t("stopDescription")}
      confirmLabel={t("stopExecution")}
      pendingText={t("stopping")}
      variant="secondary"
    />
  );
}

/** Queues a failed execution's failed tasks again; each resumes from what it recorded. */
export function RetryExecutionButton({ projectId, executionId }: { projectId: number; executionId: number }) {
  const [result, formAction] = useActionState(retryRetentionRunAction, INITIAL_ACTION_RESULT);
  const t = useTranslations("policy");
  return (
    <form action={formAction}>
      <input type="hidden" name="projectId" value={projectId} />
      <input type="hidden" name="executionId" value={executionId} />
      <SubmitButton variant="secondary" pendingText={t("retrying")}>{t("retryFailed")}</SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}

type Selector = { decoration: "matches" | "excludes"; kind: "doublestar" | "regex"; pattern: string };
export type ImmutableRuleRow = { id: number; repositories: Selector; tags: Selector; disabled: boolean; description: string };

const selectClass = "rounded-md border border-slate-300 px-2 py-1.5 text-sm";

function SelectorInputs({ legend, prefix, value, onChange, errors }: { legend: string; prefix: string; value: Selector; onChange: (s: Selector) => void; errors: Record<string, string[]> }) {
  const patternErrors = errors[`${prefix}.pattern`];
  const t = useTranslations("policy");
  return (
    <fieldset className="space-y-1">
      <legend className="text-sm font-medium">{legend}</legend>
      <div className="flex flex-wrap gap-2">
        <select aria-label={t("matchingOrExcluding", { legend })} className={selectClass} value={value.decoration} onChange={(e) => onChange({ ...value, decoration: e.target.value as Selector["decoration"] })}>
          <option value="matches">{t("matching")}</option>
          <option value="excludes">{t("excluding")}</option>
        </select>
        <select aria-label={t("patternKind", { legend })} className={selectClass} value={value.kind} onChange={(e) => onChange({ ...value, kind: e.target.value as Selector["kind"] })}>
          <option value="doublestar">{t("doublestar")}</option>
          <option value="regex">{t("regex")}</option>
        </select>
        <input
          aria-label={t("pattern", { legend })}
          aria-invalid={patternErrors?.length ? true : undefined}
          className={`${selectClass} flex-1 font-mono ${patternErrors?.length ? "border-red-500" : ""}`}
          value={value.pattern}
          maxLength={256}
          onChange={(e) => onChange({ ...value, pattern: e.target.value })}
        />
      </div>
      {patternErrors && (
        <p className="text-sm text-red-700" data-testid={`error-${prefix}.pattern`}>
          {patternErrors.join(". ")}
        </p>
      )}
    </fieldset>
  );
}

/** Adds a rule (no `rule` given) or edits one; the selectors travel as one JSON field. */
export function ImmutableRuleForm({ projectId, rule, onDone }: { projectId: number; rule?: ImmutableRuleRow; onDone?: () => void }) {
  const [result, formAction] = useActionState(saveImmutableRuleAction, INITIAL_ACTION_RESULT);
  const [repositories, setRepositories] = useState<Selector>(rule?.repositories ?? { decoration: "matches", kind: "doublestar", pattern: "**" });
  const [tags, setTags] = useState<Selector>(rule?.tags ?? { decoration: "matches", kind: "doublestar", pattern: "" });
  const errors = result.ok ? {} : (result.fieldErrors ?? {});
  const t = useTranslations("policy");
  return (
    <form action={formAction} className="space-y-3" noValidate data-testid={rule ? `immutable-rule-form-${rule.id}` : "immutable-rule-form"}>
      <input type="hidden" name="projectId" value={projectId} />
      <input type="hidden" name="ruleId" value={rule?.id ?? ""} />
      <input type="hidden" name="rule" value={JSON.stringify({ repositories, tags, disabled: rule?.disabled ?? false })} />
      <div className="grid gap-3 md:grid-cols-2">
        <SelectorInputs legend={t("repositories")} prefix="repositories" value={repositories} onChange={setRepositories} errors={errors} />
        <SelectorInputs legend={t("tags")} prefix="tags" value={tags} onChange={setTags} errors={errors} />
      </div>
      <FormMessage result={result} />
      <div className="flex gap-2">
        <SubmitButton pendingText={t("saving")}>{rule ? t("saveRule") : t("addRule")}</SubmitButton>
        {onDone && (
          <Button type="button" variant="secondary" onClick={onDone}>
            {t("close")}
          </Button>
        )}
      </div>
    </form>
  );
}

export function ImmutableRuleItem({ projectId, rule, canManage }: { projectId: number; rule: ImmutableRuleRow; canManage: boolean }) {
  const [editing, setEditing] = useState(false);
  const [toggleResult, toggleAction] = useActionState(setImmutableRuleDisabledAction, INITIAL_ACTION_RESULT);
  const t = useTranslations("policy");
  return (
    <li className="rounded-md border border-slate-200 p-3" data-testid={`immutable-rule-${rule.id}`}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span className="text-sm">
          {rule.disabled ? <Badge tone="bad">{t("disabled")}</Badge> : <Badge tone="good">{t("enabled")}</Badge>} <span className="font-mono text-xs">{rule.description}</span>
        </span>
        {canManage && (
          <div className="flex gap-2">
            <Button type="button" variant="secondary" onClick={() => setEditing((e) => !e)}>
              {t("edit")}
            </Button>
            <form action={toggleAction}>
              <input type="hidden" name="projectId" value={projectId} />
              <input type="hidden" name="ruleId" value={rule.id} />
              <input type="hidden" name="disabled" value={rule.disabled ? "false" : "true"} />
              <SubmitButton variant="secondary" pendingText="…">{rule.disabled ? t("enable") : t("disable")}</SubmitButton>
            </form>
            <ConfirmActionForm
              action={deleteImmutableRuleAction}
              fields={{ projectId, ruleId: rule.id }}
              triggerLabel={t("delete")}
              title={t("deleteRuleTitle", { rule: rule.description })}
              description={t("deleteRuleDescription")}
              confirmLabel={t("deleteRule")}
            />
          </div>
        )}
      </div>
      <FormMessage result={toggleResult} />
      {editing && canManage && (
        <div className="mt-3">
          <ImmutableRuleForm projectId={projectId} rule={rule} onDone={() => setEditing(false)} />
        </div>
      )}
    </li>
  );
}

export function NamingPolicyForm({ projectId, pattern, enabled, readOnly }: { projectId: number; pattern: string; enabled: boolean; readOnly: boolean }) {
  const [result, formAction] = useActionState(saveNamingPolicyAction, INITIAL_ACTION_RESULT);
  // Controlled, so what was typed stays after a refusal (React resets uncontrolled forms after an action).
  const [value, setValue] = useState(pattern);
  const [on, setOn] = useState(enabled);
  const errors = result.ok ? {} : (result.fieldErrors ?? {});
  const t = useTranslations("policy");
  return (
    <form action={formAction} className="space-y-3" noValidate data-testid="naming-policy-form">
      <input type="hidden" name="projectId" value={projectId} />
      <Field
        label={t("tagPattern")}
        name="pattern"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        readOnly={readOnly}
        maxLength={256}
        hint={t("tagPatternHint")}
        errors={errors.pattern}
      />
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="enabled" checked={on} disabled={readOnly} onChange={(e) => setOn(e.target.checked)} />
        {t("enforced")}
      </label>
      <FormMessage result={result} />
      {!readOnly && <SubmitButton pendingText={t("saving")}>{t("saveNaming")}</SubmitButton>}
    </form>
  );
}
