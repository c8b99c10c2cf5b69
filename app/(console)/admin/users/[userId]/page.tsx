import type { Metadata } from "next";
import Link from "next/link";
import { cache } from "react";
import { getTranslations } from "next-intl/server";
import { UserAccessForms, UserPasswordForm, UserProfileForm, UserRoleRules, UserTwoFactorForm } from "@/app/(console)/admin/users/[userId]/user-forms";
import { Badge } from "@/components/ui/badge";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { NotFoundError } from "@/lib/errors";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { getUser } from "@/lib/services/users/get-user";
import { listUserRoleRules } from "@/lib/services/members/role-rules";
import { listGroupsOfUser } from "@/lib/services/identity/user-groups";
import { ZId } from "@/lib/validation/common";
import { formatDateTime } from "@/lib/format/datetime";

/** The page's user, loaded once per request for both the title and the page. */
const loadUser = cache(async (rawId: string) => {
  const parsedId = ZId.safeParse(rawId);
  if (!parsedId.success) return { ok: false as const, error: new NotFoundError("There is no such user.") };
  const actor = await getActor();
  return attempt(() => getUser({ actor, userId: parsedId.data }));
});

/** "alice · User"; a missing user is "Not found", like the page notFound() shows. */
export async function generateMetadata({ params }: { params: Promise<{ userId: string }> }): Promise<Metadata> {
  const outcome = await loadUser((await params).userId);
  const t = await getTranslations("users");
  if (outcome.ok) return { title: `${outcome.value.username} · ${t("user")}` };
  return { title: outcome.error instanceof NotFoundError ? t("notFound") : t("user") };
}

export default async function UserPage({
  params,
  searchParams,
}: {
  params: Promise<{ userId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const outcome = await loadUser((await params).userId);
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const actor = await getActor();
  const user = outcome.value;
  const isSelf = actor.kind === "user" && actor.id === user.id;
  // Auditors may read this page; the forms are offered only to those who may change users.
  const canEdit = hasSystemPermission(actor, "user.update");
  const { created } = await searchParams;
  const t = await getTranslations("users");
  const roleRules = await listUserRoleRules({ actor, userId: user.id });
  const groups = await listGroupsOfUser({ actor, userId: user.id });
  const external = user.authSource === "ldap" || user.authSource === "oidc" ? user.authSource : null;
  const roleRulesSection = (
    <section className="mt-6 rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="role-rules-heading">
      <h2 id="role-rules-heading" className="mb-1 font-semibold">{t("roleRules")}</h2>
      <p className="mb-4 text-sm text-slate-600">{t("roleRulesHint")}</p>
      <UserRoleRules
        userId={user.id}
        canEdit={canEdit}
        rules={roleRules.map((r) => ({ id: r.id, pattern: r.pattern, roleId: r.roleId, createdBy: r.createdBy, createdAt: formatDateTime(r.createdAt) }))}
      />
    </section>
  );

  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/admin/users" prefetch={false} className="text-sky-800 hover:underline">
          ← {t("title")}
        </Link>
      </p>
      <PageHeader
        title={user.username}
        description={t("createdAt", { time: formatDateTime(user.createdAt) })}
        actions={
          <div className="flex gap-2">
            {external && <Badge tone="info">{t(`sources.${external}`)}</Badge>}
            {user.isAdmin && <Badge tone="info">{t("administrator")}</Badge>}
            {user.isAuditor && <Badge tone="info">{t("auditor")}</Badge>}
            {user.disabled ? <Badge tone="bad">{t("disabled")}</Badge> : <Badge tone="good">{t("active")}</Badge>}
          </div>
        }
      />
      {created === "1" && (
        <p role="status" className="mb-4 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {t("created", { username: user.username })}
        </p>
      )}
      {external && (
        <p className="mb-4 text-sm text-slate-600" data-testid="user-source">
          {t(external === "ldap" ? "sourceLdap" : "sourceOidc")} <span className="font-mono break-all">{user.externalId ?? t("notLinkedYet")}</span>
        </p>
      )}
      {!canEdit && (
        <dl className="max-w-lg space-y-2 rounded-lg border border-slate-200 bg-white p-6 text-sm">
          <div><dt className="font-medium">{t("columns.email")}</dt><dd>{user.email}</dd></div>
          <div><dt className="font-medium">{t("columns.fullName")}</dt><dd>{user.fullName}</dd></div>
        </dl>
      )}
      {canEdit && <div className="grid grid-cols-[minmax(0,1fr)] gap-6 lg:grid-cols-[repeat(2,minmax(0,1fr))]">
        <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="profile-heading">
          <h2 id="profile-heading" className="mb-4 font-semibold">{t("profile")}</h2>
          <UserProfileForm user={{ id: user.id, email: user.email, fullName: user.fullName }} />
        </section>
        {/* An LDAP or OIDC account's password is its source's. */}
        {!external && (
          <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="password-heading">
            <h2 id="password-heading" className="mb-4 font-semibold">{t("resetPassword")}</h2>
            <UserPasswordForm userId={user.id} />
          </section>
        )}
        <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="two-factor-heading">
          <h2 id="two-factor-heading" className="mb-4 font-semibold">{t("twoFactor")}</h2>
          <UserTwoFactorForm userId={user.id} enabledAt={user.totpEnabledAt ? formatDateTime(user.totpEnabledAt) : null} />
        </section>
        <section className="rounded-lg border border-slate-200 bg-white p-6 lg:col-span-2" aria-labelledby="access-heading">
          <h2 id="access-heading" className="mb-4 font-semibold">{t("access")}</h2>
          <UserAccessForms
            user={{ id: user.id, systemRole: user.isAdmin ? "admin" : user.isAuditor ? "auditor" : "none", disabled: user.disabled }}
            isSelf={isSelf}
          />
        </section>
      </div>}
      {roleRulesSection}
      {(external || groups.length > 0) && (
        <section className="mt-6 rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="user-groups-heading">
          <h2 id="user-groups-heading" className="mb-1 font-semibold">{t("groups")}</h2>
          <p className="mb-4 text-sm text-slate-600">{t("groupsHint")}</p>
          {groups.length === 0 ? (
            <p className="text-sm text-slate-600">{t("groupsNone")}</p>
          ) : (
            <ul className="flex flex-wrap gap-2" data-testid="user-groups">
              {groups.map((g) => (
                <li key={g.id}>
                  <Link href={`/admin/groups/${g.id}`} prefetch={false} className="rounded bg-slate-100 px-2 py-1 text-sm text-sky-800 hover:underline">
                    {g.name}
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </>
  );
}
