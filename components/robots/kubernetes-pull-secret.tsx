"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { kubernetesPullSecret } from "@/lib/robots/kubernetes-pull-secret";

/**
 * The robot's credentials for Kubernetes, built in the browser from the create/refresh answer:
 * the kubectl line and the Secret YAML, each with its Copy button. Shown only with the secret
 * (SecretOnce): after that Wharf no longer knows it.
 */
export function KubernetesPullSecret({ registry, robotName, secret }: { registry: string; robotName: string; secret: string }) {
  const t = useTranslations("kubernetesPullSecret");
  const pullSecret = kubernetesPullSecret({ registry, robotName, secret });
  return (
    <details className="mt-3" data-testid="kubernetes-pull-secret">
      <summary className="cursor-pointer font-medium text-amber-900">{t("summary")}</summary>
      <p className="mt-2 text-slate-700">{t("explain", { name: pullSecret.secretName })}</p>
      <Snippet label={t("kubectl")} text={pullSecret.kubectl} testId="kubectl-command" />
      <Snippet label={t("yaml")} text={pullSecret.yaml} testId="pull-secret-yaml" />
      <p className="mt-2 text-slate-700">{t("use", { name: pullSecret.secretName })}</p>
    </details>
  );
}

function Snippet({ label, text, testId }: { label: string; text: string; testId: string }) {
  const t = useTranslations("kubernetesPullSecret");
  const [copied, setCopied] = useState(false);
  return (
    <div className="mt-2">
      <div className="flex items-center justify-between gap-2">
        <span className="text-xs font-medium text-slate-600">{label}</span>
        <Button
          type="button"
          variant="secondary"
          onClick={async () => {
            await navigator.clipboard?.writeText(text);
            setCopied(true);
          }}
        >
          {copied ? t("copied") : t("copy", { what: label })}
        </Button>
      </div>
      <pre tabIndex={0} aria-label={label} data-testid={testId} className="mt-1 overflow-x-auto rounded bg-ink-900 p-3 font-mono text-xs whitespace-pre-wrap break-all text-ink-100">
        {text}
      </pre>
    </div>
  );
}
