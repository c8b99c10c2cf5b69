"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import {
  deleteProjectAction,
  updateProjectAction,
  updateProjectIpAllowlistAction,
  updatePullPolicyAction,
} from "@/app/(console)/projects/[projectId]/configuration/actions";
import { CveAllowlistFields } from "@/components/cve-allowlist-fields";
import { IpAllowlistFields } from "@/components/ip-allowlist-fields";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";
import type { ProjectPullPolicyView } from "@/lib/services/pull-policy/allowlists";
import { PULL_POLICY_SEVERITIES } from "@/lib/validation/pull-policy-severities";

/** The project's own IP allowlist, for those who may change the project. */
export function ProjectIpAllowlistForm({ projectId, entries, ownAddress }: { projectId: number; entries: string[]; ownAddress: string | null }) {
  const t = useTranslations("configuration");
  const { result, formProps } = useActionForm(updateProjectIpAllowlistAction, INITIAL_ACTION_RESULT);
  return (
    <form {...formProps} className="space-y-4" data-testid="project-ip-allowlist-form">
      <input type="hidden" name="projectId" value={projectId} />
      <IpAllowlistFields name="ipAllowlist" entries={entries} ownAddress={ownAddress} emptyText={t("ipAllowlistEmpty")} errors={result.fieldErrors?.ipAllowlist} />
      <SubmitButton>{t("saveIpAllowlist")}</SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}

export function ProjectSettingsForm({ projectId, isPublic, autoScan }: { projectId: number; isPublic: boolean; autoScan: boolean }) {
  const { result, formProps: formActionProps } = useActionForm(updateProjectAction, INITIAL_ACTION_RESULT);
  const t = useTranslations("configuration");
  return (
    <form {...formActionProps} className="space-y-4">
      <input type="hidden" name="projectId" value={projectId} />
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="isPublic" defaultChecked={isPublic} className="mt-0.5 h-4 w-4" />
        <span>
          {t("public")}
          <span className="block text-slate-500">{t("publicHint")}</span>
        </span>
      </label>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="autoScan" defaultChecked={autoScan} className="mt-0.5 h-4 w-4" />
        <span>
          {t("autoScan")}
          <span className="block text-slate-500">{t("autoScanHint")}</span>
        </span>
      </label>
      <SubmitButton>{t("save")}</SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}

/**
 * Harbor's deployment security: what the gateway refuses to serve on a manifest GET. The CVE
 * allowlist fields are the project's own list; with "use the system allowlist" ticked, it waits.
 */
export function PullPolicyForm({ projectId, policy }: { projectId: number; policy: ProjectPullPolicyView }) {
  const { result, formProps } = useActionForm(updatePullPolicyAction, INITIAL_ACTION_RESULT);
  const [reuseSystem, setReuseSystem] = useState(policy.reuseSystemCveAllowlist);
  const t = useTranslations("configuration");
  return (
    <form {...formProps} className="space-y-4">
      <input type="hidden" name="projectId" value={projectId} />
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <label className="flex items-center gap-2">
          <input type="checkbox" name="preventVulnerable" defaultChecked={policy.preventVulnerable} className="h-4 w-4" />
          {t("preventLabel")}
        </label>
        <select
          name="vulnerabilitySeverity"
          aria-label={t("lowestSeverity")}
          defaultValue={policy.vulnerabilitySeverity}
          className="rounded-md border border-slate-300 px-2 py-1 text-sm"
        >
          {PULL_POLICY_SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {t(`severity.${s}`)}
            </option>
          ))}
        </select>
        <span>{t("orHigher")}</span>
      </div>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="refuseUnscanned" defaultChecked={policy.refuseUnscanned} className="mt-0.5 h-4 w-4" />
        <span>
          {t("refuseUnscanned")}
          <span className="block text-slate-500">{t("refuseUnscannedHint")}</span>
        </span>
      </label>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="requireSignature" defaultChecked={policy.requireSignature} className="mt-0.5 h-4 w-4" />
        <span>
          {t("requireSignature")}
          <span className="block text-slate-500">{t("requireSignatureHint")}</span>
        </span>
      </label>
      <fieldset className="space-y-3 rounded-md border border-slate-200 p-4">
        <legend className="px-1 text-sm font-medium">{t("cveAllowlist")}</legend>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            name="reuseSystemCveAllowlist"
            checked={reuseSystem}
            onChange={(e) => setReuseSystem(e.target.checked)}
            className="h-4 w-4"
          />
          {t("useSystem")}
        </label>
        <p className="text-xs text-slate-500">
          {reuseSystem ? t("useSystemOn") : t("useSystemOff")}
        </p>
        <CveAllowlistFields cveIds={policy.cveAllowlist.cveIds} expiresAt={policy.cveAllowlist.expiresAt} errors={result.fieldErrors} />
      </fieldset>
      <SubmitButton>{t("savePullPolicy")}</SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}

/** Deleting asks for the project's name, so nobody deletes the wrong project by a stray click. */
export function DeleteProjectForm({ projectId, projectName }: { projectId: number; projectName: string }) {
  const { result, formProps } = useActionForm(deleteProjectAction, INITIAL_ACTION_RESULT);
  const [typed, setTyped] = useState("");
  const t = useTranslations("configuration");
  return (
    <form {...formProps} className="space-y-3">
      <input type="hidden" name="projectId" value={projectId} />
      <label htmlFor="confirm-name" className="block text-sm">
        {t.rich("typeToConfirm", { name: projectName, code: (chunks) => <code className="font-mono">{chunks}</code> })}
      </label>
      <input
        id="confirm-name"
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        autoComplete="off"
        className="block w-64 rounded-md border border-slate-300 px-3 py-1.5 text-sm"
      />
      <Button type="submit" variant="danger" disabled={typed !== projectName}>
        {t("deleteProject", { name: projectName })}
      </Button>
      <FormMessage result={result} />
    </form>
  );
}
