import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { Suspense } from "react";
import { RegistryForm } from "@/app/(console)/admin/registries/registry-forms";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { NotFoundError } from "@/lib/errors";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { getRegistry, listRemoteProjects } from "@/lib/services/registries/registries";
import type { Actor } from "@/lib/auth/actor";
import { ZId } from "@/lib/validation/common";
import { REGISTRY_TYPE_LABELS } from "@/lib/validation/registries";
import { formatDateTime } from "@/lib/format/datetime";
import { requestLocale } from "@/lib/i18n/server-locale";
import { translateServerText } from "@/lib/i18n/server-text";

export async function generateMetadata() {
  return { title: (await getTranslations("registries"))("endpointTitle") };
}

export default async function RegistryPage({ params }: { params: Promise<{ registryId: string }> }) {
  const parsedId = ZId.safeParse((await params).registryId);
  if (!parsedId.success) return <RefusalNotice error={new NotFoundError("There is no such registry endpoint.")} />;
  const actor = await getActor();
  const outcome = await attempt(() => getRegistry({ actor, registryId: parsedId.data }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const registry = outcome.value;
  const canEdit = hasSystemPermission(actor, "registry_endpoint.update");
  const t = await getTranslations("registries");
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/admin/registries" prefetch={false} className="text-sky-800 hover:underline">
          {t("back")}
        </Link>
      </p>
      <PageHeader title={registry.name} description={t("at", { type: REGISTRY_TYPE_LABELS[registry.type], url: registry.url })} />
      {registry.statusCheckedAt && (
        <p className="mb-4 text-sm text-slate-700" data-testid="registry-health">
          {t("lastTest", { time: formatDateTime(registry.statusCheckedAt), message: registry.statusMessage })}
        </p>
      )}
      {canEdit ? (
        <div className="max-w-lg rounded-lg border border-slate-200 bg-white p-6">
          <RegistryForm
            registry={{
              id: registry.id,
              name: registry.name,
              type: registry.type,
              url: registry.url,
              credentialType: registry.credentialType,
              username: registry.username,
              hasSecret: registry.hasSecret,
              insecure: registry.insecure,
              caCertificate: registry.caCertificate,
              description: registry.description,
            }}
          />
        </div>
      ) : (
        <dl className="grid max-w-lg grid-cols-3 gap-2 text-sm">
          <dt className="text-slate-500">{t("credentials")}</dt>
          <dd className="col-span-2">{registry.credentialType === "basic" ? t("usernameValue", { username: registry.username }) : t("noCredentials")}</dd>
          <dt className="text-slate-500">{t("description_")}</dt>
          <dd className="col-span-2">{registry.description || "—"}</dd>
        </dl>
      )}
      {(registry.type === "harbor" || registry.type === "wharf") && (
        <section className="mt-8 max-w-lg" data-testid="remote-projects">
          <h2 className="mb-2 text-base font-semibold text-slate-900">{t("projectsAt", { name: registry.name })}</h2>
          <Suspense fallback={<p className="text-sm text-slate-500">{t("readingProjects")}</p>}>
            <RemoteProjectList actor={actor} registryId={registry.id} />
          </Suspense>
        </section>
      )}
    </>
  );
}

/** The remote's project names (its REST API, with the endpoint's credentials and TLS settings): what a policy's destination namespace can name. */
async function RemoteProjectList({ actor, registryId }: { actor: Actor; registryId: number }) {
  const outcome = await attempt(() => listRemoteProjects({ actor, registryId }));
  if (!outcome.ok) return <p className="text-sm text-red-700">{translateServerText(outcome.error.message, await requestLocale())}</p>;
  const { projects, total, truncated } = outcome.value;
  const t = await getTranslations("registries");
  if (projects.length === 0) return <p className="text-sm text-slate-500">{t("noProjects")}</p>;
  return (
    <>
      <ul className="list-inside list-disc text-sm">
        {projects.map((p) => (
          <li key={p.name}>
            {p.name}
            {p.public === true ? <span className="text-slate-500">{t("public")}</span> : null}
          </li>
        ))}
      </ul>
      {truncated && <p className="mt-1 text-xs text-slate-500">{t("firstOf", { count: projects.length, total })}</p>}
    </>
  );
}
