"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { stopArtifactScanAction } from "@/app/(console)/projects/[projectId]/repositories/[...path]/scan-stop-actions";
import { startArtifactScanAction } from "@/app/(console)/projects/[projectId]/repositories/actions";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { useActionForm } from "@/lib/actions/use-action-form";

/** Queues a scan of the artifact by the project's scanner (the service decides who may). */
export function ScanButton({
  projectId,
  repository,
  digest,
  scanType = "vulnerability",
  label,
}: {
  projectId: number;
  repository: string;
  digest: string;
  scanType?: "vulnerability" | "sbom";
  label: string;
}) {
  const { result, formProps } = useActionForm(startArtifactScanAction, INITIAL_ACTION_RESULT);
  const t = useTranslations("artifacts");
  return (
    <form {...formProps} className="inline-flex flex-col gap-1" data-testid={scanType === "sbom" ? "generate-sbom" : "scan-artifact"}>
      <input type="hidden" name="projectId" value={projectId} />
      <input type="hidden" name="repository" value={repository} />
      <input type="hidden" name="digest" value={digest} />
      <input type="hidden" name="scanType" value={scanType} />
      <SubmitButton variant={scanType === "sbom" ? "secondary" : undefined} pendingText={t("queuing")}>
        {label}
      </SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}

/**
 * Re-renders the server page every 2 s while a scan is queued or running (the report's status
 * comes from the service each time), and stops once it has ended.
 */
export function RefreshWhileScanning({ scanning }: { scanning: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!scanning) return;
    const timer = setInterval(() => router.refresh(), 2_000);
    return () => clearInterval(timer);
  }, [scanning, router]);
  return null;
}

/** Stops the artifact's queued or running scan of one type (the service decides who may: scan:stop). */
export function StopScanButton({ projectId, repository, digest, scanType = "vulnerability" }: { projectId: number; repository: string; digest: string; scanType?: "vulnerability" | "sbom" }) {
  const { result, formProps } = useActionForm(stopArtifactScanAction, INITIAL_ACTION_RESULT);
  const t = useTranslations("artifacts");
  return (
    <form {...formProps} className="inline-flex flex-col gap-1" data-testid={scanType === "sbom" ? "stop-sbom" : "stop-scan"}>
      <input type="hidden" name="projectId" value={projectId} />
      <input type="hidden" name="repository" value={repository} />
      <input type="hidden" name="digest" value={digest} />
      <input type="hidden" name="scanType" value={scanType} />
      <SubmitButton variant="secondary" pendingText={t("stopping")}>
        {scanType === "sbom" ? t("stopSbom") : t("stopScan")}
      </SubmitButton>
      <FormMessage result={result} />
    </form>
  );
}
