import { CreateUserForm } from "@/app/(console)/admin/users/new/create-user-form";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { getActor } from "@/lib/auth/session";
import { ForbiddenError } from "@/lib/errors";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";

export const metadata = { title: "New user" };

export default async function NewUserPage() {
  const actor = await getActor();
  // UX only: the form is pointless for non-admins; createUser refuses them regardless.
  if (!hasSystemPermission(actor, "user.create")) return <RefusalNotice error={new ForbiddenError()} />;
  return (
    <>
      <PageHeader title="New user" description="The user signs in with this username and password, in the console and with docker or skopeo." />
      <div className="max-w-lg rounded-lg border border-slate-200 bg-white p-6">
        <CreateUserForm />
      </div>
    </>
  );
}
