"use client";

import { useTranslations } from "next-intl";

/**
 * An IP allowlist as a textarea, one address or CIDR range per line, with the viewer's own address
 * beside it: the services refuse a list that leaves it out (the lockout guard), and the field says
 * why. Shared by the system list (Administration → Settings) and a project's (Configuration).
 */
export function IpAllowlistFields({
  name,
  entries,
  ownAddress,
  emptyText,
  errors,
  disabled = false,
}: {
  /** The form field's name, which is also the key of its field errors. */
  name: string;
  entries: string[];
  ownAddress: string | null;
  /** What an empty list means where it is used. */
  emptyText: string;
  errors?: string[];
  disabled?: boolean;
}) {
  const t = useTranslations("ipAllowlist");
  const id = `field-${name}`;
  const invalid = Boolean(errors?.length);
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {t("entries")}
      </label>
      <textarea
        id={id}
        name={name}
        rows={4}
        disabled={disabled}
        defaultValue={entries.join("\n")}
        placeholder={disabled ? undefined : "10.0.0.0/8"}
        aria-invalid={invalid ? true : undefined}
        aria-describedby={invalid ? `${id}-error ${id}-hint` : `${id}-hint`}
        className={`block w-full rounded-md border px-3 py-2 font-mono text-sm ${invalid ? "border-red-500" : "border-slate-300"}`}
      />
      <p id={`${id}-hint`} className="text-xs text-slate-600">
        {entries.length === 0 ? `${emptyText} ` : ""}
        {t("entriesHint", { address: ownAddress ?? t("unknownAddress") })}
      </p>
      {invalid ? (
        <p id={`${id}-error`} className="text-sm text-red-700" data-testid={`error-${name}`}>
          {errors!.join(". ")}
        </p>
      ) : null}
    </div>
  );
}
