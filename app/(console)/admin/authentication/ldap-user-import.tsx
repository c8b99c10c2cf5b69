"use client";

import { useTranslations } from "next-intl";
import { startTransition, useActionState } from "react";
import {
  importLdapUsersAction,
  type LdapImportActionResult,
  type LdapSearchResult,
  searchLdapUsersAction,
} from "@/app/(console)/admin/authentication/actions";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";

const INITIAL_SEARCH: LdapSearchResult = { ok: false };
const INITIAL_IMPORT: LdapImportActionResult = { ok: false };

/** Administrators: search the directory, tick entries, create their Wharf users (authSource "ldap"). */
export function LdapUserImport() {
  const t = useTranslations("authentication");
  const [search, searchAction, searching] = useActionState(searchLdapUsersAction, INITIAL_SEARCH);
  const [imported, importAction, importing] = useActionState(importLdapUsersAction, INITIAL_IMPORT);
  return (
    <div className="space-y-4" data-testid="ldap-import">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          startTransition(() => searchAction(data));
        }}
        className="flex flex-wrap items-end gap-2"
        role="search"
      >
        <div className="min-w-60 flex-1 space-y-1">
          <label htmlFor="ldap-search-q" className="block text-sm font-medium text-slate-800">
            {t("searchLabel")}
          </label>
          <input id="ldap-search-q" name="q" className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm" autoComplete="off" maxLength={255} />
        </div>
        <input type="hidden" name="limit" value="50" />
        <Button type="submit" variant="secondary" disabled={searching}>
          {searching ? t("searching") : t("search")}
        </Button>
      </form>
      {!search.ok && <FormMessage result={search} />}
      {search.ok && search.users && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const data = new FormData(e.currentTarget);
            startTransition(() => importAction(data));
          }}
          className="space-y-3"
        >
          {search.users.length === 0 ? (
            <p className="text-sm text-slate-600">{t("noEntries")}</p>
          ) : (
            <table className="w-full table-fixed text-left text-sm">
              <thead className="border-b border-slate-200 text-xs uppercase text-slate-500">
                <tr>
                  <th className="w-10 py-1">
                    <span className="sr-only">{t("choose")}</span>
                  </th>
                  <th className="py-1">{t("colUsername")}</th>
                  <th className="py-1">{t("colName")}</th>
                  <th className="py-1">{t("colEmail")}</th>
                  <th className="py-1">{t("colStatus")}</th>
                </tr>
              </thead>
              <tbody>
                {search.users.map((u) => (
                  <tr key={u.dn} className="border-b border-slate-100" title={u.dn}>
                    <td className="py-1">
                      <input type="checkbox" name="dns" value={u.dn} disabled={u.blocked !== null} aria-label={t("chooseEntry", { username: u.username })} />
                    </td>
                    <td className="truncate py-1 font-medium">{u.username}</td>
                    <td className="truncate py-1">{u.fullName ?? ""}</td>
                    <td className="truncate py-1">{u.email ?? ""}</td>
                    <td className="py-1 text-xs text-slate-600">
                      {u.blocked === "exists" ? t("statusExists") : u.blocked === "name taken" ? t("statusNameTaken") : u.blocked === "invalid name" ? t("statusInvalidName") : t("statusNew")}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {search.truncated && <p className="text-xs text-slate-500">{t("truncated")}</p>}
          {search.users.some((u) => u.blocked === null) && (
            <Button type="submit" disabled={importing}>
              {importing ? t("importing") : t("importChosen")}
            </Button>
          )}
        </form>
      )}
      {!imported.ok && <FormMessage result={imported} />}
      {imported.ok && imported.imported && (
        <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800" data-testid="ldap-import-result">
          <p>{t("importedCount", { count: imported.imported.created.length })}</p>
          {imported.imported.skipped.length > 0 && (
            <ul className="mt-1 list-inside list-disc text-xs">
              {imported.imported.skipped.map((s) => (
                <li key={s.dn}>{t("skipped", { name: s.username ?? s.dn, reason: s.reason })}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
