"use client";

import { useTranslations } from "next-intl";
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
      label: labelFilterOf(v),
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

/** Comma-separated names as the label filter; none typed: no label filter. */
function labelFilterOf(v: PolicyFormValues) {
  const labels = v.labelNames
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  return labels.length ? { decoration: v.labelDecoration, labels } : null;
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
  const t = useTranslations("replication.form");
  return (
    <fieldset className="space-y-1">
      <legend className="text-sm font-medium text-slate-800">{legend}</legend>
      <div className="flex flex-wrap gap-2">
        <select aria-label={t("matchingOrExcluding", { legend })} className={`${controlClass} w-auto border-slate-300`} value={value.decoration} onChange={(e) => onChange({ ...value, decoration: e.target.value as Selector["decoration"] })}>
          <option value="matches">{t("matching")}</option>
          <option value="excludes">{t("excluding")}</option>
        </select>
        <select aria-label={t("patternKind", { legend })} className={`${controlClass} w-auto border-slate-300`} value={value.kind} onChange={(e) => onChange({ ...value, kind: e.target.value as Selector["kind"] })}>
          <option value="doublestar">{t("doublestar")}</option>
          <option value="regex">{t("regex")}</option>
        </select>
        <input
          id={`field-${id}`}
          aria-label={t("pattern", { legend })}
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
  const t = useTranslations("replication.form");
  const tl = useTranslations("labels");
  const flattened: Record<string, string> = { "-1": "app", "0": "a/b/app", "1": "b/app", "2": "app", "3": t("flatteningRefused") };
  return (
    <form {...formProps} className="space-y-5" data-testid="replication-policy-form" noValidate>
      <FormMessage result={result} />
      {policyId && <input type="hidden" name="policyId" value={policyId} />}
      <input type="hidden" name="policy" value={JSON.stringify(toInput(v))} />

      <Field label={t("name")} name="name" value={v.name} onChange={(e) => set("name")(e.target.value)} autoComplete="off" maxLength={255} errors={errors.name} />
      <div className="space-y-1">
        <label htmlFor="field-description" className="block text-sm font-medium text-slate-800">
          {t("description")}
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
          label={t("mode")}
          id="direction"
          value={v.direction}
          onChange={(d) => set("direction")(d as PolicyFormValues["direction"])}
          errors={errors.direction}
          hint={v.direction === "push" ? t("modePushHint") : t("modePullHint")}
        >
          <option value="push">{t("modePush")}</option>
          <option value="pull">{t("modePull")}</option>
        </SelectField>
        <SelectField
          label={v.direction === "push" ? t("destinationRegistry") : t("sourceRegistry")}
          id="endpointId"
          value={v.endpointId}
          onChange={set("endpointId")}
          errors={errors.endpointId}
          hint={endpoints.length === 0 ? t("noEndpoints") : undefined}
        >
          <option value="">{t("chooseEndpoint")}</option>
          {endpoints.map((e) => (
            <option key={e.id} value={e.id}>
              {e.name} ({e.url})
            </option>
          ))}
        </SelectField>
      </div>

      <section className="space-y-3 rounded-md border border-slate-200 p-4" aria-labelledby="filters-heading">
        <h3 id="filters-heading" className="text-sm font-semibold">
          {t("sourceFilters")}
        </h3>
        <SelectorFields
          legend={t("repositories")}
          id="filters.name"
          value={v.repositories}
          onChange={set("repositories")}
          errors={under(errors, "filters.name")}
          hint={t("repositoriesHint")}
        />
        <SelectorFields
          legend={t("tags")}
          id="filters.tag"
          value={v.tags}
          onChange={(s) => set("tags")({ ...v.tags, ...s })}
          errors={under(errors, "filters.tag")}
          hint={t("tagsHint")}
        >
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={v.tags.untagged}
              disabled={v.tags.pattern.trim() === ""}
              onChange={(e) => set("tags")({ ...v.tags, untagged: e.target.checked })}
              className="h-4 w-4 rounded border-slate-300"
            />
            {t("untaggedToo")}
          </label>
        </SelectorFields>
        <div className="grid gap-3 md:grid-cols-[12rem_minmax(0,1fr)]">
          <SelectField label={tl("replicationLabels")} id="filters.label.decoration" value={v.labelDecoration} onChange={(d) => set("labelDecoration")(d as PolicyFormValues["labelDecoration"])}>
            <option value="matches">{tl("matchesLabels")}</option>
            <option value="excludes">{tl("excludesLabels")}</option>
          </SelectField>
          <Field
            label={tl("labelNames")}
            name="labelNames"
            id="field-filters.label.labels"
            value={v.labelNames}
            onChange={(e) => set("labelNames")(e.target.value)}
            autoComplete="off"
            hint={tl("replicationLabelsHint")}
            errors={under(errors, "filters.label")}
          />
        </div>
        <SelectField label={t("resources")} id="filters.resource" value={v.resource} onChange={(r) => set("resource")(r as PolicyFormValues["resource"])} errors={under(errors, "filters.resource")}>
          <option value="image">{t("imagesOnly")}</option>
          <option value="artifact">{t("everyArtifact")}</option>
        </SelectField>
      </section>

      <section className="space-y-3 rounded-md border border-slate-200 p-4" aria-labelledby="destination-heading">
        <h3 id="destination-heading" className="text-sm font-semibold">
          {t("destination")}
        </h3>
        <div className="grid gap-4 md:grid-cols-2">
          <Field
            label={t("destNamespace")}
            name="destNamespace"
            value={v.destNamespace}
            onChange={(e) => set("destNamespace")(e.target.value)}
            autoComplete="off"
            maxLength={255}
            errors={errors.destNamespace}
            hint={t("destNamespaceHint")}
          />
          <SelectField
            label={t("flattening")}
            id="flattening"
            value={v.flattening}
            onChange={set("flattening")}
            errors={errors.flattening}
            hint={flatteningApplies ? t("flatteningExample", { target: `${v.destNamespace.trim()}/${flattened[v.flattening] ?? "…"}` }) : t("flatteningApplies")}
          >
            <option value="-1">{t("flattenAll")}</option>
            <option value="0">{t("flattenNone")}</option>
            <option value="1">{t("flatten1")}</option>
            <option value="2">{t("flatten2")}</option>
            <option value="3">{t("flatten3")}</option>
          </SelectField>
        </div>
        <Checkbox label={t("override")} checked={v.override} onChange={set("override")} hint={t("overrideHint")} />
        <Checkbox label={t("deletions")} checked={v.replicateDeletion} onChange={set("replicateDeletion")} hint={t("deletionsHint")} />
      </section>

      <section className="space-y-3 rounded-md border border-slate-200 p-4" aria-labelledby="trigger-heading">
        <h3 id="trigger-heading" className="text-sm font-semibold">
          {t("triggerLimits")}
        </h3>
        <div className="grid gap-4 md:grid-cols-2">
          <SelectField label={t("triggerMode")} id="trigger" value={v.trigger} onChange={(trigger) => set("trigger")(trigger as PolicyFormValues["trigger"])} errors={errors.trigger}>
            <option value="manual">{t("manual")}</option>
            <option value="scheduled">{t("scheduled")}</option>
            <option value="event_based">{t("eventBased")}</option>
          </SelectField>
          {v.trigger === "scheduled" && (
            <Field
              label={t("cron")}
              name="cron"
              value={v.cron}
              onChange={(e) => set("cron")(e.target.value)}
              autoComplete="off"
              maxLength={100}
              placeholder="0 3 * * *"
              errors={errors.cron}
              hint={t("cronHint")}
            />
          )}
        </div>
        <div className="grid gap-4 md:grid-cols-2">
          <Field
            label={t("bandwidth")}
            name="bandwidthLimit"
            inputMode="numeric"
            value={v.bandwidthLimit}
            onChange={(e) => set("bandwidthLimit")(e.target.value)}
            autoComplete="off"
            errors={errors.bandwidthLimit}
            hint={t("bandwidthHint")}
          />
          <Field
            label={t("parallelism")}
            name="copyParallelism"
            inputMode="numeric"
            value={v.copyParallelism}
            onChange={(e) => set("copyParallelism")(e.target.value)}
            autoComplete="off"
            errors={errors.copyParallelism}
            hint={t("parallelismHint")}
          />
        </div>
        <Checkbox label={t("enabled")} checked={v.enabled} onChange={set("enabled")} hint={t("enabledHint")} />
      </section>

      {errors.policy && <p className="text-sm text-red-700">{errors.policy.join(". ")}</p>}
      <SubmitButton pendingText={t("saving")}>{policyId ? t("save") : t("create")}</SubmitButton>
    </form>
  );
}
