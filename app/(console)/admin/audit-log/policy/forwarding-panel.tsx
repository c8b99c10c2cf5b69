"use client";

import { useFormatter, useTranslations } from "next-intl";
import { startTransition, useActionState, useEffect, useState } from "react";
import { getForwardingStatusAction, updateForwardingAction } from "@/app/(console)/admin/audit-log/policy/actions";
import { usePoll } from "@/components/live/use-poll";
import { Badge } from "@/components/ui/badge";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Button } from "@/components/ui/button";
import { INITIAL_ACTION_RESULT } from "@/lib/actions/action-state";
import { valueOf } from "@/lib/actions/poll-value";
import type { ForwardingStatus } from "@/lib/services/audit/forward-audit-events";

import { formatDateTime } from "@/lib/format/datetime";

/** Syslog over TCP: the endpoint and switch (administrators), and the forwarder's status (polled). */
export function ForwardingPanel({ initial, canEdit }: { initial: ForwardingStatus; canEdit: boolean }) {
  const [result, formAction, pending] = useActionState(updateForwardingAction, INITIAL_ACTION_RESULT);
  const { data: status, refresh, poller } = usePoll({
    key: "audit-forwarding",
    initial,
    read: async () => valueOf(await getForwardingStatusAction()),
    interval: (data) => (data?.enabled ? 5_000 : 60_000),
  });
  useEffect(() => {
    if (result.ok) refresh();
  }, [result, refresh]);
  // Controlled fields, submitted from onSubmit: React's reset of a form after its `action` would
  // throw away what was typed when the server answers with field errors.
  const [host, setHost] = useState(initial.host ?? "");
  const [port, setPort] = useState(initial.port === null ? "" : String(initial.port));
  const [enabled, setEnabled] = useState(initial.enabled);
  const errors = result.fieldErrors ?? {};
  const failing = Boolean(status.lastError && (!status.lastForwardedAt || (status.lastErrorAt ?? "") > status.lastForwardedAt));
  const t = useTranslations("auditPolicy");
  const format = useFormatter();
  const utc = (iso: string | null) => (iso ? formatDateTime(iso) : t("never"));

  return (
    <section className="space-y-3" data-testid="forwarding-panel">
      {poller}
      <div>
        <h2 className="text-lg font-semibold">{t("forwardHeading")}</h2>
        <p className="text-sm text-slate-600">{t.rich("forwardText", { code: (chunks) => <code>{chunks}</code> })}</p>
      </div>
      <div className="rounded-lg border border-slate-200 bg-white p-6">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const data = new FormData(e.currentTarget);
            startTransition(() => formAction(data));
          }}
          className="space-y-4"
          data-testid="forwarding-form"
          noValidate
        >
          <fieldset disabled={!canEdit} className="space-y-4">
            <div className="grid grid-cols-3 gap-3">
              <div className="col-span-2">
                <Field label={t("host")} name="host" value={host} onChange={(e) => setHost(e.target.value)} placeholder="syslog.example.com" errors={errors.host} />
              </div>
              <Field label={t("port")} name="port" type="number" min={1} max={65535} value={port} onChange={(e) => setPort(e.target.value)} placeholder="514" errors={errors.port} />
            </div>
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
              {t("forwardCheckbox")}
            </label>
          </fieldset>
          {canEdit && (
            <Button type="submit" disabled={pending}>
              {pending ? t("saving") : t("saveForwarding")}
            </Button>
          )}
          <FormMessage result={result} />
        </form>
      </div>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm" data-testid="forwarding-status">
        <dt className="text-slate-500">{t("status")}</dt>
        <dd>
          {!status.enabled ? <Badge>{t("off")}</Badge> : failing ? <Badge tone="bad">{t("failing")}</Badge> : <Badge tone="good">{t("on")}</Badge>}
          {status.enabled && status.host && (
            <span className="ml-2">
              {status.host}:{status.port}
            </span>
          )}
        </dd>
        <dt className="text-slate-500">{t("lastForwarded")}</dt>
        <dd>
          {status.cursor ? `#${status.cursor}` : "–"} · {utc(status.lastForwardedAt)}
        </dd>
        <dt className="text-slate-500">{t("waitingLabel")}</dt>
        <dd data-testid="forwarding-lag">
          {t(status.lag === 1 ? "lagRow" : "lagRows", { lag: format.number(status.lag) + (status.lagCapped ? "+" : "") })}
        </dd>
        {status.lastError && (
          <>
            <dt className="text-slate-500">{t("lastError")}</dt>
            <dd className={failing ? "text-red-700" : "text-slate-600"}>
              {status.lastError} · {utc(status.lastErrorAt)}
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}
