"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { type CopyArtifactResult, copyArtifactAction } from "@/app/(console)/projects/[projectId]/repositories/actions";
import type { CopyArtifactFormProps } from "@/app/(console)/projects/[projectId]/repositories/[...path]/copy-artifact-form";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { useActionForm } from "@/lib/actions/use-action-form";

const INITIAL: CopyArtifactResult = { ok: false };

/**
 * The Copy form itself (copy-artifact-form.tsx): loaded lazily the first time it is opened, so the artifact and repository pages do not carry it in their initial JavaScript. Kept
 * mounted (hidden) once opened, so closing and reopening keeps what was chosen and the last answer.
 */
export default function CopyArtifactDialog({
  from,
  targets,
  defaultProject,
  defaultRepository,
  defaultTag,
  accessoryCount = 0,
  hidden,
  onClose,
}: Omit<CopyArtifactFormProps, "initiallyOpen"> & { hidden: boolean; onClose: () => void }) {
  // useActionForm: no reset after the answer, so the chosen target stays shown after a copy.
  const { result, errors, formProps } = useActionForm(copyArtifactAction, INITIAL);
  const [project, setProject] = useState(targets.some((target) => target.name === defaultProject) ? defaultProject : (targets[0]?.name ?? ""));
  const [repository, setRepository] = useState(defaultRepository);
  const [tag, setTag] = useState(defaultTag);
  const t = useTranslations("artifacts");

  return (
    <form {...formProps} hidden={hidden} aria-label={t("copyFormLabel")} className="w-full max-w-md space-y-3 rounded-lg border border-slate-200 bg-white p-4">
      <h3 className="font-semibold">{t("copyHeading")}</h3>
      <p className="text-sm text-slate-600" data-testid="copy-accessories-note">
        {accessoryCount === 0
          ? t("copyAccessoriesNone")
          : t("copyAccessories", { count: accessoryCount })}
      </p>
      <input type="hidden" name="from" value={from} />
      {errors.from && <p className="text-sm text-red-700">{errors.from.join(". ")}</p>}
      {targets.length === 0 ? (
        <p className="text-sm text-slate-700">{t("copyNoTarget")}</p>
      ) : (
        <>
          <div className="space-y-1">
            <label htmlFor="copy-project" className="block text-sm font-medium text-slate-800">
              {t("targetProject")}
            </label>
            <select
              id="copy-project"
              name="project"
              value={project}
              onChange={(e) => setProject(e.target.value)}
              aria-invalid={errors.project ? true : undefined}
              aria-describedby={errors.project ? "copy-project-error" : undefined}
              className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
            >
              {targets.map((target) => (
                <option key={target.id} value={target.name}>
                  {target.name}
                </option>
              ))}
            </select>
            {errors.project && (
              <p id="copy-project-error" className="text-sm text-red-700">
                {errors.project.join(". ")}
              </p>
            )}
          </div>
          <Field
            id="copy-repository"
            label={t("targetRepository")}
            name="repository"
            value={repository}
            onChange={(e) => setRepository(e.target.value)}
            required
            maxLength={255}
            autoComplete="off"
            errors={errors.repository}
          />
          <Field
            id="copy-tag"
            label={t("targetTag")}
            name="tag"
            value={tag}
            onChange={(e) => setTag(e.target.value)}
            maxLength={128}
            autoComplete="off"
            hint={t("targetTagHint")}
            errors={errors.tag}
          />
        </>
      )}
      <div className="flex gap-2">
        {targets.length > 0 && <SubmitButton pendingText={t("copying")}>{t("copy")}</SubmitButton>}
        <Button type="button" variant="secondary" onClick={onClose}>
          {t("close")}
        </Button>
      </div>
      {!result.ok && result.message && (
        <p role="status" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {result.message}
        </p>
      )}
      {result.ok && result.href && (
        <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800" data-testid="copy-result">
          {result.message}{" "}
          <Link href={result.href} className="font-mono underline">
            {result.linkText}
          </Link>
        </p>
      )}
    </form>
  );
}
