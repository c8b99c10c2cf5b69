"use client";

import Link from "next/link";
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
  const openLink = (result: StartRunResult) =>
    result.ok &&
    result.executionId && (
      <p className="text-sm">
        <Link prefetch={false} className="text-sky-800 hover:underline" href={`/projects/${projectId}/policy/executions/${result.executionId}`}>
          Open execution #{result.executionId}
        </Link>
      </p>
    );
  return (
    <div className="space-y-2" data-testid="run-controls">
      <div className="flex flex-wrap items-start gap-2">
        <form action={dryAction}>
          <input type="hidden" name="projectId" value={projectId} />
          <input type="hidden" name="dryRun" value="true" />
          <SubmitButton variant="secondary" pendingText="Starting…">Dry run</SubmitButton>
        </form>
        <ConfirmActionForm
          action={startRetentionRunAction}
          initial={INITIAL_RUN}
          fields={{ projectId, dryRun: "false" }}
          triggerLabel="Run now"
          title="Run the retention policy now?"
          description="Artifacts the policy does not keep are deleted from the registry. A dry run shows what would go without deleting anything."
          confirmLabel="Run and delete"
          pendingText="Starting…"
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
  return (
    <ConfirmActionForm
      action={stopRetentionRunAction}
      fields={{ projectId, executionId }}
      triggerLabel="Stop"
      title={`Stop execution #${executionId}?`}
      description="Nothing more is deleted once it stops; what it deleted already stays deleted."
      confirmLabel="Stop execution"
      pendingText="Stopping…"
      variant="secondary"
    />
  );
}

/** Queues a failed execution's failed tasks again; each resumes from what it recorded. */
export function RetryExecutionButton({ projectId, executionId }: { projectId: number; executionId: number }) {
  const [result, formAction] = useActionState(retryRetentionRunAction, INITIAL_ACTION_RESULT);
  return (
    <form action={formAction}>
      <input type="hidden" name="projectId" value={projectId} />
      <input type="hidden" name="executionId" value={executionId} />
      <SubmitButton variant="secondary" pendingText="Retrying…">Retry failed tasks</SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}

type Selector = { decoration: "matches" | "excludes"; kind: "doublestar" | "regex"; pattern: string };
export type ImmutableRuleRow = { id: number; repositories: Selector; tags: Selector; disabled: boolean; description: string };

const selectClass = "rounded-md border border-slate-300 px-2 py-1.5 text-sm";

function SelectorInputs({ legend, prefix, value, onChange, errors }: { legend: string; prefix: string; value: Selector; onChange: (s: Selector) => void; errors: Record<string, string[]> }) {
  const patternErrors = errors[`${prefix}.pattern`];
  return (
    <fieldset className="space-y-1">
      <legend className="text-sm font-medium">{legend}</legend>
      <div className="flex flex-wrap gap-2">
        <select aria-label={`${legend}: matching or excluding`} className={selectClass} value={value.decoration} onChange={(e) => onChange({ ...value, decoration: e.target.value as Selector["decoration"] })}>
          <option value="matches">matching</option>
          <option value="excludes">excluding</option>
        </select>
        <select aria-label={`${legend}: pattern kind`} className={selectClass} value={value.kind} onChange={(e) => onChange({ ...value, kind: e.target.value as Selector["kind"] })}>
          <option value="doublestar">pattern (doublestar)</option>
          <option value="regex">regular expression</option>
        </select>
        <input
          aria-label={`${legend}: pattern`}
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
  return (
    <form action={formAction} className="space-y-3" noValidate data-testid={rule ? `immutable-rule-form-${rule.id}` : "immutable-rule-form"}>
      <input type="hidden" name="projectId" value={projectId} />
      <input type="hidden" name="ruleId" value={rule?.id ?? ""} />
      <input type="hidden" name="rule" value={JSON.stringify({ repositories, tags, disabled: rule?.disabled ?? false })} />
      <div className="grid gap-3 md:grid-cols-2">
        <SelectorInputs legend="Repositories" prefix="repositories" value={repositories} onChange={setRepositories} errors={errors} />
        <SelectorInputs legend="Tags" prefix="tags" value={tags} onChange={setTags} errors={errors} />
      </div>
      <FormMessage result={result} />
      <div className="flex gap-2">
        <SubmitButton pendingText="Saving…">{rule ? "Save rule" : "Add rule"}</SubmitButton>
        {onDone && (
          <Button type="button" variant="secondary" onClick={onDone}>
            Close
          </Button>
        )}
      </div>
    </form>
  );
}

export function ImmutableRuleItem({ projectId, rule, canManage }: { projectId: number; rule: ImmutableRuleRow; canManage: boolean }) {
  const [editing, setEditing] = useState(false);
  const [toggleResult, toggleAction] = useActionState(setImmutableRuleDisabledAction, INITIAL_ACTION_RESULT);
  return (
    <li className="rounded-md border border-slate-200 p-3" data-testid={`immutable-rule-${rule.id}`}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span className="text-sm">
          {rule.disabled ? <Badge tone="bad">Disabled</Badge> : <Badge tone="good">Enabled</Badge>} <span className="font-mono text-xs">{rule.description}</span>
        </span>
        {canManage && (
          <div className="flex gap-2">
            <Button type="button" variant="secondary" onClick={() => setEditing((e) => !e)}>
              Edit
            </Button>
            <form action={toggleAction}>
              <input type="hidden" name="projectId" value={projectId} />
              <input type="hidden" name="ruleId" value={rule.id} />
              <input type="hidden" name="disabled" value={rule.disabled ? "false" : "true"} />
              <SubmitButton variant="secondary" pendingText="…">{rule.disabled ? "Enable" : "Disable"}</SubmitButton>
            </form>
            <ConfirmActionForm
              action={deleteImmutableRuleAction}
              fields={{ projectId, ruleId: rule.id }}
              triggerLabel="Delete"
              title={`Delete the immutability rule ${rule.description}?`}
              description="The tags it protects can then be moved and deleted."
              confirmLabel="Delete rule"
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
  return (
    <form action={formAction} className="space-y-3" noValidate data-testid="naming-policy-form">
      <input type="hidden" name="projectId" value={projectId} />
      <Field
        label="Tag pattern (regular expression, whole tag)"
        name="pattern"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        readOnly={readOnly}
        maxLength={256}
        hint="Every tag pushed from now on must match, e.g. ^[a-z]+-(dev|prod)-[0-9.]+$. Existing tags are not touched. Empty removes the policy."
        errors={errors.pattern}
      />
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="enabled" checked={on} disabled={readOnly} onChange={(e) => setOn(e.target.checked)} />
        Enforced
      </label>
      <FormMessage result={result} />
      {!readOnly && <SubmitButton pendingText="Saving…">Save naming policy</SubmitButton>}
    </form>
  );
}
