"use client";

import { useState } from "react";
import { deleteProjectAction, updateProjectAction, updatePullPolicyAction } from "@/app/(console)/projects/[projectId]/configuration/actions";
import { CveAllowlistFields } from "@/components/cve-allowlist-fields";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";
import type { ProjectPullPolicyView } from "@/lib/services/pull-policy/allowlists";
import { PULL_POLICY_SEVERITIES } from "@/lib/validation/pull-policy-severities";

export function ProjectSettingsForm({ projectId, isPublic, autoScan }: { projectId: number; isPublic: boolean; autoScan: boolean }) {
  const { result, formProps: formActionProps } = useActionForm(updateProjectAction, INITIAL_ACTION_RESULT);
  return (
    <form {...formActionProps} className="space-y-4">
      <input type="hidden" name="projectId" value={projectId} />
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="isPublic" defaultChecked={isPublic} className="mt-0.5 h-4 w-4" />
        <span>
          Public
          <span className="block text-slate-500">Anyone, even without an account, can pull this project&apos;s images.</span>
        </span>
      </label>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="autoScan" defaultChecked={autoScan} className="mt-0.5 h-4 w-4" />
        <span>
          Automatically scan images on push
          <span className="block text-slate-500">
            Each image pushed (each image of a multi-arch index) is scanned for vulnerabilities by the project&apos;s scanner.
          </span>
        </span>
      </label>
      <SubmitButton>Save</SubmitButton>
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
  return (
    <form {...formProps} className="space-y-4">
      <input type="hidden" name="projectId" value={projectId} />
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <label className="flex items-center gap-2">
          <input type="checkbox" name="preventVulnerable" defaultChecked={policy.preventVulnerable} className="h-4 w-4" />
          Prevent vulnerable images from running: refuse pulls of images with vulnerabilities of severity
        </label>
        <select
          name="vulnerabilitySeverity"
          aria-label="Lowest severity refused"
          defaultValue={policy.vulnerabilitySeverity}
          className="rounded-md border border-slate-300 px-2 py-1 text-sm"
        >
          {PULL_POLICY_SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s[0]!.toUpperCase() + s.slice(1)}
            </option>
          ))}
        </select>
        <span>or higher</span>
      </div>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="refuseUnscanned" defaultChecked={policy.refuseUnscanned} className="mt-0.5 h-4 w-4" />
        <span>
          Refuse pulls of unscanned images
          <span className="block text-slate-500">An image without a finished vulnerability scan cannot be pulled (scanners still can).</span>
        </span>
      </label>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="requireSignature" defaultChecked={policy.requireSignature} className="mt-0.5 h-4 w-4" />
        <span>
          Only signed images
          <span className="block text-slate-500">An image (or the index holding it) needs a cosign or notation signature to be pulled.</span>
        </span>
      </label>
      <fieldset className="space-y-3 rounded-md border border-slate-200 p-4">
        <legend className="px-1 text-sm font-medium">CVE allowlist</legend>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            name="reuseSystemCveAllowlist"
            checked={reuseSystem}
            onChange={(e) => setReuseSystem(e.target.checked)}
            className="h-4 w-4"
          />
          Use the system allowlist
        </label>
        <p className="text-xs text-slate-500">
          {reuseSystem ? "The system allowlist applies; the project's own list below is kept but not used." : "The project's own list below applies instead of the system allowlist."}
        </p>
        <CveAllowlistFields cveIds={policy.cveAllowlist.cveIds} expiresAt={policy.cveAllowlist.expiresAt} errors={result.fieldErrors} />
      </fieldset>
      <SubmitButton>Save pull policy</SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}

/** Deleting asks for the project's name, so nobody deletes the wrong project by a stray click. */
export function DeleteProjectForm({ projectId, projectName }: { projectId: number; projectName: string }) {
  const { result, formProps } = useActionForm(deleteProjectAction, INITIAL_ACTION_RESULT);
  const [typed, setTyped] = useState("");
  return (
    <form {...formProps} className="space-y-3">
      <input type="hidden" name="projectId" value={projectId} />
      <label htmlFor="confirm-name" className="block text-sm">
        Type <code className="font-mono">{projectName}</code> to confirm
      </label>
      <input
        id="confirm-name"
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        autoComplete="off"
        className="block w-64 rounded-md border border-slate-300 px-3 py-1.5 text-sm"
      />
      <Button type="submit" variant="danger" disabled={typed !== projectName}>
        Delete project {projectName}
      </Button>
      <FormMessage result={result} />
    </form>
  );
}
