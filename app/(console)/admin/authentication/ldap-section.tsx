import { getTranslations } from "next-intl/server";
import { LdapSettingsForm } from "@/app/(console)/admin/authentication/ldap-settings-form";
import { LdapUserImport } from "@/app/(console)/admin/authentication/ldap-user-import";
import type { Actor } from "@/lib/auth/actor";
import { getLdapSettings } from "@/lib/services/identity/ldap/config";

/**
 * The LDAP part of Administration → Authentication: the settings (administrators edit, auditors
 * read; the bind password is never sent to the browser), Test connection, and the directory
 * search with import (administrators).
 */
export async function LdapSection({ actor, canEdit }: { actor: Actor; canEdit: boolean }) {
  const t = await getTranslations("authentication");
  const settings = await getLdapSettings({ actor });
  return (
    <>
      <section className="mt-6 max-w-2xl rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="ldap-heading">
        <h2 id="ldap-heading" className="mb-1 font-semibold">
          {t("ldapHeading")}
        </h2>
        <p className="mb-4 text-sm text-slate-600">{t("ldapDescription")}</p>
        <LdapSettingsForm values={settings} canEdit={canEdit} />
      </section>
      {canEdit && (
        <section className="mt-6 max-w-2xl rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="ldap-import-heading">
          <h2 id="ldap-import-heading" className="mb-1 font-semibold">
            {t("importHeading")}
          </h2>
          <p className="mb-4 text-sm text-slate-600">{t("importDescription")}</p>
          {settings ? <LdapUserImport /> : <p className="text-sm text-slate-600">{t("importNeedsSettings")}</p>}
        </section>
      )}
    </>
  );
}
