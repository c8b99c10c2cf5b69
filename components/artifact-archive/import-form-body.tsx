"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";

type State = { kind: "idle" } | { kind: "uploading"; sent: number; total: number } | { kind: "done"; digest: string } | { kind: "failed"; message: string };

/**
 * The repository page's Import form: a docker-archive or OCI layout tar and a tag, sent to the
 * REST import route as the body (streamed by the browser, read by Wharf as it arrives), with the
 * upload's progress. The service decides (push permission, tag policy); its message is shown.
 * Loaded lazily when the Import section is first opened (import-form.tsx).
 */
export default function ImportArchiveBody({ action }: { action: string }) {
  const t = useTranslations("artifactArchive");
  const [state, setState] = useState<State>({ kind: "idle" });

  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const file = data.get("file");
    const tag = String(data.get("tag") ?? "");
    if (!(file instanceof File) || file.size === 0) return setState({ kind: "failed", message: t("noFile") });
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${action}?tag=${encodeURIComponent(tag)}`);
    xhr.setRequestHeader("Content-Type", "application/x-tar");
    xhr.upload.onprogress = (e) => setState({ kind: "uploading", sent: e.loaded, total: e.total || file.size });
    xhr.onerror = () => setState({ kind: "failed", message: t("networkError") });
    xhr.onload = () => {
      try {
        const body = JSON.parse(xhr.responseText) as { digest?: string; errors?: { message: string }[] };
        if (xhr.status === 201 && body.digest) setState({ kind: "done", digest: body.digest });
        else setState({ kind: "failed", message: body.errors?.[0]?.message ?? t("failed", { status: xhr.status }) });
      } catch {
        setState({ kind: "failed", message: t("failed", { status: xhr.status }) });
      }
    };
    setState({ kind: "uploading", sent: 0, total: file.size });
    xhr.send(file);
  }

  return (
    <>
      <form onSubmit={submit} className="mt-2 flex flex-wrap items-end gap-3 text-sm">
        <p className="w-full text-slate-600">{t("importHint")}</p>
        <label className="block">
          <span className="block font-medium">{t("file")}</span>
          <input type="file" name="file" accept=".tar,application/x-tar" required className="mt-1" />
        </label>
        <label className="block">
          <span className="block font-medium">{t("tag")}</span>
          <input type="text" name="tag" required pattern="[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}" className="mt-1 rounded border border-slate-300 px-2 py-1" />
        </label>
        <button type="submit" disabled={state.kind === "uploading"} className="rounded-md bg-sky-700 px-3 py-1.5 font-medium text-white disabled:opacity-50">
          {t("import")}
        </button>
      </form>
      <div role="status" aria-live="polite" className="mt-2 text-sm" data-testid="import-status">
        {state.kind === "uploading" && (
          <>
            <progress value={state.sent} max={state.total || 1} className="w-64" />{" "}
            {t("progress", { percent: state.total ? Math.floor((state.sent / state.total) * 100) : 0 })}
          </>
        )}
        {state.kind === "done" && <span className="text-emerald-800">{t("imported", { digest: state.digest })}</span>}
        {state.kind === "failed" && <span className="text-red-800">{state.message}</span>}
      </div>
    </>
  );
}
