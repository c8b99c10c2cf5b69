import { getTranslations } from "next-intl/server";
import { CreateUserForm } from "@/app/(console)/admin/users/new/create-user-form";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { getActor } from "@/lib/auth/session";
import { ForbiddenError } from "@/lib/errors";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";

export async function generateMetadata() {
  return { title: (await getTranslations("users"))("new") };
}

export default async function NewUserPage() {
  const actor = await getActor();
  // UX only: the form is pointless for non-admins; createUser refuses them regardless.
  if (!hasSystemPermission(actor, "user.create")) return <RefusalNotice error={new ForbiddenError()} />;
  const t = await getTranslations("users");
  return (
    <>
      <PageHeader title={t("new")} description={t("newDescription")} />
      <div className="max-w-lg rounded-lg border border-slate-200 bg-white p-6">
        <CreateUserForm />
      </div>
    </>
  );
}
