"use server";

import { revalidatePath } from "next/cache";
import type { ActionResult } from "@/lib/actions/action-result";
import { formAction } from "@/lib/actions/form-action";
import { setAuthMode } from "@/lib/services/identity/auth-mode";
import { saveLdapSettings } from "@/lib/services/identity/ldap/config";
import { type ConnectionTest, type DirectoryUserRow, importLdapUsers, type LdapImportResult, searchLdapUsers, testLdapConnection } from "@/lib/services/identity/ldap/ldap";
import { ZAuthModeForm, ZLdapImport, ZLdapSettings, ZLdapUserSearch } from "@/lib/validation/ldap";

const PAGE = "/admin/authentication";

export const setAuthModeAction = formAction(
  ZAuthModeForm,
  (input, actor) => setAuthMode({ actor, mode: input.mode }),
  () => {
    revalidatePath(PAGE);
    return { ok: true, message: "Authentication mode saved." };
  },
);

export const saveLdapSettingsAction = formAction(
  ZLdapSettings,
  (input, actor) => saveLdapSettings({ actor, input }),
  () => {
    revalidatePath(PAGE);
    return { ok: true, message: "LDAP settings saved." };
  },
);

export type LdapTestResult = ActionResult & { test?: ConnectionTest };

/** "Test connection": the form's settings as typed (the stored password when the field is empty). Changes nothing. */
export const testLdapConnectionAction = formAction<typeof ZLdapSettings, ConnectionTest, LdapTestResult>(
  ZLdapSettings,
  (input, actor) => testLdapConnection({ actor, input }),
  (_input, test) => ({ ok: true, test }),
);

export type LdapSearchResult = ActionResult & { users?: DirectoryUserRow[]; truncated?: boolean };

/** The directory search of the import panel (administrators). Changes nothing. */
export const searchLdapUsersAction = formAction<typeof ZLdapUserSearch, { users: DirectoryUserRow[]; truncated: boolean }, LdapSearchResult>(
  ZLdapUserSearch,
  (input, actor) => searchLdapUsers({ actor, input }),
  (_input, found) => ({ ok: true, users: found.users, truncated: found.truncated }),
);

export type LdapImportActionResult = ActionResult & { imported?: LdapImportResult };

export const importLdapUsersAction = formAction<typeof ZLdapImport, LdapImportResult, LdapImportActionResult>(
  ZLdapImport,
  (input, actor) => importLdapUsers({ actor, input }),
  (_input, imported) => {
    revalidatePath("/admin/users");
    return { ok: true, imported };
  },
  { read: (formData) => ({ dns: formData.getAll("dns") }) },
);
