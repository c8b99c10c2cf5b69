import { ChangePasswordForm } from "@/app/(console)/account/change-password-form";
import { PageHeader } from "@/components/ui/page-header";
import { requireUserActor } from "@/lib/auth/session";

export const metadata = { title: "Account" };

export default async function AccountPage() {
  const actor = await requireUserActor();
  return (
    <>
      <PageHeader title="Your account" description={`Signed in as ${actor.username}.`} />
      <section className="max-w-lg rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="change-password-heading">
        <h2 id="change-password-heading" className="mb-1 font-semibold">Change password</h2>
        <p className="mb-4 text-sm text-slate-600">You will be signed out everywhere and sign in again with the new password.</p>
        <ChangePasswordForm />
      </section>
    </>
  );
}
