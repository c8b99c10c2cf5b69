"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { KubernetesPullSecret } from "@/components/robots/kubernetes-pull-secret";
import { Button } from "@/components/ui/button";
import { robotExportFile } from "@/lib/robots/picker-model";

/**
 * A new secret, shown once, with Copy and Harbor's "Export to file" (the name and secret as JSON,
 * built in the browser from this one answer: Wharf stores only a hash and cannot serve it again).
 * Loaded lazily when a secret is there to show (secret-once.tsx).
 */
export default function SecretOnceView({ result }: { result: { ok: true; secret: string; robotName: string; registry?: string | undefined } }) {
  const [copied, setCopied] = useState(false);
  const t = useTranslations("robots");
  const { robotName, secret } = result;
  const exportFile = () => {
    const file = robotExportFile(robotName, secret);
    const url = URL.createObjectURL(new Blob([file.json], { type: "application/json" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = file.filename;
    document.body.append(link);
    link.click();
    link.remove();
    // Revoked after the click has been handled: the download has its own copy of the blob by then.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  };
  return (
    <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm" data-testid="robot-secret">
      <p className="font-medium text-amber-900">{t("secretOnce")}</p>
      <p className="mt-2 break-all">
        {t("secretName")} <code className="font-mono">{robotName}</code>
      </p>
      <p className="mt-1 flex flex-wrap items-center gap-2">
        {t("secret")}{" "}
        <code className="min-w-0 rounded bg-white px-2 py-1 font-mono break-all" data-testid="robot-secret-value">
          {secret}
        </code>
      </p>
      <p className="mt-2 flex flex-wrap gap-2">
        <Button
          type="button"
          variant="secondary"
          onClick={async () => {
            await navigator.clipboard?.writeText(secret);
            setCopied(true);
          }}
        >
          {copied ? t("copied") : t("copy")}
        </Button>
        <Button type="button" variant="secondary" onClick={exportFile}>
          {t("exportFile")}
        </Button>
      </p>
      {result.registry && <KubernetesPullSecret registry={result.registry} robotName={robotName} secret={secret} />}
    </div>
  );
}
