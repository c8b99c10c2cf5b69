"use client";

import { useState } from "react";
import { deleteProjectAction, updateProjectAction } from "@/app/(console)/projects/[projectId]/configuration/actions";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-result";
import { useActionForm } from "@/lib/actions/use-action-form";

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
