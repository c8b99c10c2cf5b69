import Link from "next/link";
import { useTranslations } from "next-intl";
import { buttonClass } from "@/components/ui/button";
import { AUDIT_PAGE_SIZE_DEFAULT } from "@/lib/validation/audit";

/** The form's raw values (what the URL holds, so a rejected value is shown back as typed). */
export type AuditFilterValues = Partial<Record<"user" | "op" | "type" | "resource" | "project" | "result" | "from" | "to" | "size", string>>;

/** The table's format (lib/format/datetime.ts), UTC: a time copied from a row pastes as it is. */
const TIME_PLACEHOLDER = "YYYY-MM-DD HH:mm:ss";

const input = "block w-full rounded-md border px-2 py-1.5 text-sm shadow-sm focus:border-sky-600 focus:outline-none";

function FilterField({
  name,
  label,
  values,
  errors,
  hint,
  ...rest
}: {
  name: keyof AuditFilterValues;
  label: string;
  values: AuditFilterValues;
  errors: Record<string, string[]>;
  hint?: string;
  type?: string;
  placeholder?: string;
  list?: string;
}) {
  const id = `audit-filter-${name}`;
  const fieldErrors = errors[name];
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-xs font-medium text-slate-700">
        {label}
      </label>
      <input
        id={id}
        name={name}
        defaultValue={values[name] ?? ""}
        aria-invalid={fieldErrors ? true : undefined}
        aria-describedby={fieldErrors ? `${id}-error` : hint ? `${id}-hint` : undefined}
        className={`${input} ${fieldErrors ? "border-red-500" : "border-slate-300"}`}
        {...rest}
      />
      {hint && !fieldErrors && (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
      {fieldErrors && (
        <p id={`${id}-error`} className="text-xs text-red-700" data-testid={`error-${name}`}>
          {fieldErrors.join(". ")}
        </p>
      )}
    </div>
  );
}

/**
 * The audit filter as a plain GET form: its state lives in the URL, so a filtered view can be
 * linked, bookmarked and reloaded, and the form works without JavaScript. The server parses it with
 * ZAuditLogSearch and shows field errors here.
 */
export function AuditFilterForm({
  action,
  values,
  errors,
  showProject,
  operations,
}: {
  action: string;
  values: AuditFilterValues;
  errors: Record<string, string[]>;
  /** The system view filters by project; a project's tab is scoped already. */
  showProject: boolean;
  /** Recorded actions, suggested in the Operation field. */
  operations: string[];
}) {
  const t = useTranslations("audit");
  return (
    <form method="get" action={action} className="mb-4 rounded-lg border border-slate-200 bg-white p-4" aria-label={t("filter.label")} data-testid="audit-filter">
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4 lg:grid-cols-5">
        <FilterField name="user" label={t("columns.user")} values={values} errors={errors} placeholder={t("filter.userPlaceholder")} hint={t("filter.userHint")} />
        <FilterField name="op" label={t("columns.operation")} values={values} errors={errors} placeholder={t("filter.operationPlaceholder")} list="audit-operations" />
        <FilterField name="type" label={t("columns.resourceType")} values={values} errors={errors} placeholder="artifact" />
        <FilterField name="resource" label={t("filter.resourceStartsWith")} values={values} errors={errors} placeholder="library/nginx" />
        {showProject && <FilterField name="project" label={t("columns.project")} values={values} errors={errors} placeholder={t("filter.projectPlaceholder")} />}
        <div className="space-y-1">
          <label htmlFor="audit-filter-result" className="block text-xs font-medium text-slate-700">
            {t("columns.result")}
          </label>
          <select id="audit-filter-result" name="result" defaultValue={values.result ?? ""} className={`${input} ${errors.result ? "border-red-500" : "border-slate-300"}`}>
            <option value="">{t("filter.any")}</option>
            <option value="success">{t("success")}</option>
            <option value="failure">{t("failure")}</option>
          </select>
          {errors.result && (
            <p className="text-xs text-red-700" data-testid="error-result">
              {errors.result.join(". ")}
            </p>
          )}
        </div>
        <FilterField name="from" label={t("filter.from")} values={values} errors={errors} placeholder={TIME_PLACEHOLDER} hint={t("filter.timeHint")} />
        <FilterField name="to" label={t("filter.to")} values={values} errors={errors} placeholder={TIME_PLACEHOLDER} />
        <div className="space-y-1">
          <label htmlFor="audit-filter-size" className="block text-xs font-medium text-slate-700">
            {t("filter.rowsPerPage")}
          </label>
          <select id="audit-filter-size" name="size" defaultValue={values.size ?? String(AUDIT_PAGE_SIZE_DEFAULT)} className={`${input} border-slate-300`}>
            {[10, 25, 50, 100].map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
          {errors.size && (
            <p className="text-xs text-red-700" data-testid="error-size">
              {errors.size.join(". ")}
            </p>
          )}
        </div>
      </div>
      <datalist id="audit-operations">
        {operations.map((op) => (
          <option key={op} value={op} />
        ))}
      </datalist>
      <div className="mt-3 flex gap-2">
        <button type="submit" className={buttonClass("primary")}>
          {t("filter.apply")}
        </button>
        <Link href={action} className={buttonClass("secondary")}>
          {t("filter.clear")}
        </Link>
      </div>
    </form>
  );
}
