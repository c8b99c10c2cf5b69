import { projectPageMetadata } from "@/app/(console)/projects/[projectId]/project-title";
import { loadProject, type ProjectTabPageProps } from "@/app/(console)/projects/[projectId]/load-project";
import { AuditLogView, auditFormValues } from "@/components/audit/audit-log-view";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { ValidationError } from "@/lib/errors";
import { listProjectAuditEvents } from "@/lib/services/audit/list-project-audit-events";
import { fieldErrorsOf } from "@/lib/validation/common";
import { ZAuditLogSearch } from "@/lib/validation/audit";
import { translateActionResult } from "@/lib/i18n/server-text";
import { requestLocale } from "@/lib/i18n/server-locale";

export const generateMetadata = projectPageMetadata("logs");

export default async function ProjectLogsPage({ params, searchParams }: ProjectTabPageProps) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null; // the layout shows the refusal
  const raw = await searchParams;
  const rest = { ...raw, project: undefined }; // the tab is scoped to its project
  const values = auditFormValues(rest);
  const parsed = ZAuditLogSearch.safeParse(rest);
  const search = parsed.success ? parsed.data : undefined;
  let errors = parsed.success ? {} : fieldErrorsOf(parsed.error);
  const actor = await getActor();
  const outcome = await attempt(() =>
    listProjectAuditEvents({
      actor,
      project: project.value.id,
      filter: search ?? {},
      pageSize: search?.size ?? 25,
      cursor: search?.cursor,
      withTotal: Boolean(search),
      withOperations: true,
    }),
  );
  if (!outcome.ok && !(outcome.error instanceof ValidationError)) return <RefusalNotice error={outcome.error} />;
  if (!outcome.ok && outcome.error instanceof ValidationError) errors = { ...errors, ...outcome.error.fieldErrors };
  const ok = outcome.ok && search && Object.keys(errors).length === 0;
  errors = translateActionResult({ fieldErrors: errors }, await requestLocale()).fieldErrors ?? {};
  return (
    <AuditLogView
      basePath={`/projects/${project.value.id}/logs`}
      exportPath={`/api/v2.0/projects/${project.value.id}/logs`}
      values={values}
      errors={errors}
      search={ok ? search : undefined}
      result={ok && outcome.ok ? outcome.value : undefined}
      showProject={false}
      operations={outcome.ok ? (outcome.value.operations ?? []) : []}
    />
  );
}
