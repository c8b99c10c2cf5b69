"use client";

import { type ReactNode, useState } from "react";
import { createReplicationPolicyAction, updateReplicationPolicyAction } from "@/app/(console)/admin/replications/actions";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import type { EndpointOption, PolicyFormValues } from "@/app/(console)/admin/replications/form-values";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

type Selector = PolicyFormValues["repositories"];

/** A whole number as a number; anything else as typed, so the service names it at its field. */
const integer = (text: string): number | string => (/^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text);

/**
 * The service's input (its schema decides; nothing is checked here): an empty pattern is no filter,
 * the cron is sent only for a scheduled policy.
 */
function toInput(v: PolicyFormValues) {
  return {
    name: v.name,
    description: v.description,
    direction: v.direction,
    endpointId: v.endpointId === "" ? null : Number(v.endpointId),
    filters: {
      name: v.repositories.pattern.trim() === "" ? null : v.repositories,
      tag: v.tags.pattern.trim() === "" ? null : v.tags,
      resource: v.resource,
    },
    destNamespace: v.destNamespace,
    flattening: Number(v.flattening),
    override: v.override,
    replicateDeletion: v.replicateDeletion,
    trigger: v.trigger,
    cron: v.trigger === "scheduled" ? (v.cron.trim() === "" ? null : v.cron) : null,
    enabled: v.enabled,
    bandwidthLimit: v.bandwidthLimit.trim() === "" ? null : integer(v.bandwidthLimit),
    copyParallelism: integer(v.copyParallelism),
  };
}

const controlClass = "block w-full rounded-md border px-3 py-2 text-sm shadow-sm focus:border-sky-600 focus:outline-none";

/** A labelled select with its field errors (the select twin of Field). */
function SelectField({
  label,
  id,
  value,
  onChange,
  errors,
  hint,
  children,
}: {
  label: string;
  id: string;
  value: string;
  onChange: (value: string) => void;
  errors?: string[];
  hint?: string;
  children: ReactNode;
}) {
  const invalid = Boolean(errors?.length);
  return (
    <div className="space-y-1">
      <label htmlFor={`field-${id}`} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <select
        id={`field-${id}`}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={invalid || undefined}
        aria-describedby={[invalid ? `field-${id}-error` : null, hint ? `field-${id}-hint` : null].filter(Boolean).join(" ") || undefined}
        className={`${controlClass} ${invalid ? "border-red-500" : "border-slate-300"}`}
      >
        {children}
      </select>
      {hint && (
        <p id={`field-${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
      {invalid && (
        <p id={`field-${id}-error`} className="text-sm text-red-700" data-testid={`error-${id}`}>
          {errors!.join(". ")}
        </p>
      )}
    </div>
  );
}

function Checkbox({ label, checked, onChange, hint }: { label: string; checked: boolean; onChange: (checked: boolean) => void; hint?: string }) {
  return (
    <label className="flex items-start gap-2 text-sm">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} className="mt-0.5 h-4 w-4 rounded border-slate-300" />
      <span>
        {label}
        {hint && <span className="block text-xs text-slate-500">{hint}</span>}
      </span>
    </label>
  );
}

/** Every message under `prefix` (`filters.name` gathers `filters.name.pattern` and the rest). */
function under(errors: Record<string, string[]>, prefix: string): string[] | undefined {
  const found = Object.entries(errors)
    .filter(([key]) => key === prefix || key.startsWith(`${prefix}.`))
    .flatMap(([, messages]) => messages);
  return found.length ? found : undefined;
}

function SelectorFields({
  legend,
  id,
  value,
  onChange,
  errors,
  hint,
  children,
}: {
  legend: string;
  id: string;
  value: Selector;
  onChange: (s: Selector) => void;
  errors?: string[];
  hint: string;
  children?: ReactNode;
}) {
  const invalid = Boolean(errors?.length);
  return (
    <fieldset className="space-y-1">
      <legend className="text-sm font-medium text-slate-800">{legend}</legend>
      <div className="flex flex-wrap gap-2">
        <select aria-label={`${legend}: matching or excluding`} className={`${controlClass} w-auto border-slate-300`} value={value.decoration} onChange={(e) => onChange({ ...value, decoration: e.target.value as Selector["decoration"] })}>
          <option value="matches">matching</option>
          <option value="excludes">excluding</option>
        </select>
        <select aria-label={`${legend}: pattern kind`} className={`${controlClass} w-auto border-slate-300`} value={value.kind} onChange={(e) => onChange({ ...value, kind: e.target.value as Selector["kind"] })}>
          <option value="doublestar">pattern (doublestar)</option>
          <option value="regex">regular expression</option>
        </select>
        <input
          id={`field-${id}`}
          aria-label={`${legend}: pattern`}
          aria-invalid={invalid || undefined}
          aria-describedby={`field-${id}-hint${invalid ? ` field-${id}-error` : ""}`}
          className={`${controlClass} w-auto min-w-48 flex-1 font-mono ${invalid ? "border-red-500" : "border-slate-300"}`}
          value={value.pattern}
          maxLength={256}
          autoComplete="off"
          onChange={(e) => onChange({ ...value, pattern: e.target.value })}
        />
      </div>
      <p id={`field-${id}-hint`} className="text-xs text-slate-500">
        {hint}
      </p>
      {children}
      {invalid && (
        <p id={`field-${id}-error`} className="text-sm text-red-700" data-testid={`error-${id}`}>
          {errors!.join(". ")}
        </p>
      )}
    </fieldset>
  );
}

/**
 * New policy and Edit: every setting the service takes. The fields are controlled and the policy
 * goes to the action as one JSON field, so after a refusal each message sits under its field and
 * every field keeps what was typed (useActionForm), and after a save the saved values stay.
 */
export function ReplicationPolicyForm({ policyId, initial, endpoints }: { policyId?: number; initial: PolicyFormValues; endpoints: EndpointOption[] }) {
  const { result, errors, formProps } = useActionForm(policyId ? updateReplicationPolicyAction : createReplicationPolicyAction, INITIAL_ACTION_RESULT);
  const [v, setV] = useState(initial);
  const set = <K extends keyof PolicyFormValues>(key: K) => (value: PolicyFormValues[K]) => setV((prev) => ({ ...prev, [key]: value }));
  const flatteningApplies = v.destNamespace.trim() !== "";
  return (
    <form {...formProps} className="space-y-5" data-testid="replication-policy-form" noValidate>
      <FormMessage result={result} />
      {policyId && <input type="hidden" name="policyId" value={policyId} />}
      <input type="hidden" name="policy" value={JSON.stringify(toInput(v))} />

      <Field label="Name" name="name" value={v.name} onChange={(e) => set("name")(e.target.value)} autoComplete="off" maxLength={255} errors={errors.name} />
      <div className="space-y-1">
        <label htmlFor="field-description" className="block text-sm font-medium text-slate-800">
          Description
        </label>
        <textarea
          id="field-description"
          value={v.description}
          onChange={(e) => set("description")(e.target.value)}
          rows={2}
          maxLength={1024}
          aria-invalid={errors.description ? true : undefined}
          className={`${controlClass} ${errors.description ? "border-red-500" : "border-slate-300"}`}
        />
        {errors.description && (
          <p className="text-sm text-red-700" data-testid="error-description">
            {errors.description.join(". ")}
          </p>
        )}
      </div>

      <div className="grid gap-4 md:grid-cols-2">
        <SelectField
          label="Replication mode"
          id="direction"
          value={v.direction}
          onChange={(d) => set("direction")(d as PolicyFormValues["direction"])}
          errors={errors.direction}
          hint={v.direction === "push" ? "Push-based: from this Wharf to the endpoint." : "Pull-based: from the endpoint into this Wharf."}
        >
          <option value="push">Push-based (Wharf → endpoint)</option>
          <option value="pull">Pull-based (endpoint → Wharf)</option>
        </SelectField>
        <SelectField
          label={v.direction === "push" ? "Destination registry" : "Source registry"}
          id="endpointId"
          value={v.endpointId}
          onChange={set("endpointId")}
          errors={errors.endpointId}
          hint={endpoints.length === 0 ? "No registry endpoints yet: add one under Registries first." : undefined}
        >
          <option value="">Choose an endpoint…</option>
          {endpoints.map((e) => (
            <option key={e.id} value={e.id}>
              {e.name} ({e.url})
            </option>
          ))}
        </SelectField>
      </div>

      <section className="space-y-3 rounded-md border border-slate-200 p-4" aria-labelledby="filters-heading">
        <h3 id="filters-heading" className="text-sm font-semibold">
          Source filters
        </h3>
        <SelectorFields
          legend="Repositories"
          id="filters.name"
          value={v.repositories}
          onChange={set("repositories")}
          errors={under(errors, "filters.name")}
          hint="The full repository name with its project, e.g. library/** or team-a/app. Empty: every repository."
        />
        <SelectorFields
          legend="Tags"
          id="filters.tag"
          value={v.tags}
          onChange={(s) => set("tags")({ ...v.tags, ...s })}
          errors={under(errors, "filters.tag")}
          hint="e.g. v*, 1.*, or {latest,stable}. Empty: every artifact with all its tags, untagged ones included."
        >
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={v.tags.untagged}
              disabled={v.tags.pattern.trim() === ""}
              onChange={(e) => set("tags")({ ...v.tags, untagged: e.target.checked })}
              className="h-4 w-4 rounded border-slate-300"
            />
            Untagged artifacts too
          </label>
        </SelectorFields>
        <SelectField label="Resources" id="filters.resource" value={v.resource} onChange={(r) => set("resource")(r as PolicyFormValues["resource"])} errors={under(errors, "filters.resource")}>
          <option value="image">Images only</option>
          <option value="artifact">Every artifact (images, signatures, SBOMs, charts, …)</option>
        </SelectField>
      </section>

      <section className="space-y-3 rounded-md border border-slate-200 p-4" aria-labelledby="destination-heading">
        <h3 id="destination-heading" className="text-sm font-semibold">
          Destination
        </h3>
        <div className="grid gap-4 md:grid-cols-2">
          <Field
            label="Destination namespace"
            name="destNamespace"
            value={v.destNamespace}
            onChange={(e) => set("destNamespace")(e.target.value)}
            autoComplete="off"
            maxLength={255}
            errors={errors.destNamespace}
            hint="A project at the destination. Empty: repositories keep their names."
          />
          <SelectField
            label="Flattening"
            id="flattening"
            value={v.flattening}
            onChange={set("flattening")}
            errors={errors.flattening}
            hint={flatteningApplies ? `a/b/app goes to ${v.destNamespace.trim()}/${{ "-1": "app", "0": "a/b/app", "1": "b/app", "2": "app", "3": "(refused: too few levels)" }[v.flattening] ?? "…"}` : "Applies with a destination namespace."}
          >
            <option value="-1">Flatten all levels</option>
            <option value="0">No flattening</option>
            <option value="1">Flatten 1 level</option>
            <option value="2">Flatten 2 levels</option>
            <option value="3">Flatten 3 levels</option>
          </SelectField>
        </div>
        <Checkbox label="Override existing tags at the destination" checked={v.override} onChange={set("override")} hint="Off: a tag that already exists there (pointing elsewhere) is skipped." />
        <Checkbox label="Replicate deletions" checked={v.replicateDeletion} onChange={set("replicateDeletion")} hint="An artifact deleted at the source is deleted at the destination too (event-based policies)." />
      </section>

      <section className="space-y-3 rounded-md border border-slate-200 p-4" aria-labelledby="trigger-heading">
        <h3 id="trigger-heading" className="text-sm font-semibold">
          Trigger and limits
        </h3>
        <div className="grid gap-4 md:grid-cols-2">
          <SelectField label="Trigger mode" id="trigger" value={v.trigger} onChange={(t) => set("trigger")(t as PolicyFormValues["trigger"])} errors={errors.trigger}>
            <option value="manual">Manual</option>
            <option value="scheduled">Scheduled (cron)</option>
            <option value="event_based">Event based (on push and delete)</option>
          </SelectField>
          {v.trigger === "scheduled" && (
            <Field
              label="Cron expression"
              name="cron"
              value={v.cron}
              onChange={(e) => set("cron")(e.target.value)}
              autoComplete="off"
              maxLength={100}
              placeholder="0 3 * * *"
              errors={errors.cron}
              hint="5 fields, in UTC: minute hour day-of-month month day-of-week."
            />
          )}
        </div>
        <div className="grid gap-4 md:grid-cols-2">
          <Field
            label="Bandwidth limit (bytes per second)"
            name="bandwidthLimit"
            inputMode="numeric"
            value={v.bandwidthLimit}
            onChange={(e) => set("bandwidthLimit")(e.target.value)}
            autoComplete="off"
            errors={errors.bandwidthLimit}
            hint="Empty: unlimited. 1048576 is 1 MiB/s, for the whole execution."
          />
          <Field
            label="Copy parallelism"
            name="copyParallelism"
            inputMode="numeric"
            value={v.copyParallelism}
            onChange={(e) => set("copyParallelism")(e.target.value)}
            autoComplete="off"
            errors={errors.copyParallelism}
            hint="Artifacts copied at once, 1 to 16."
          />
        </div>
        <Checkbox label="Enabled" checked={v.enabled} onChange={set("enabled")} hint="A disabled policy neither runs on its trigger nor by hand." />
      </section>

      {errors.policy && <p className="text-sm text-red-700">{errors.policy.join(". ")}</p>}
      <SubmitButton pendingText="Saving…">{policyId ? "Save policy" : "Create policy"}</SubmitButton>
    </form>
  );
}
