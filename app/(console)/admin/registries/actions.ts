"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { formAction } from "@/lib/actions/form-action";
import { createRegistry, deleteRegistry, testRegistryConnection, updateRegistry } from "@/lib/services/registries/registries";
import { ZCreateRegistry, ZPingRegistry, ZRegistryRef, ZUpdateRegistry } from "@/lib/validation/registries";

// Thin actions: parse with the shared schema, call the service (which authorizes and audits),
// map errors. Permission checks live in lib/services, never here.

export const createRegistryAction = formAction(
  ZCreateRegistry,
  (input, actor) => createRegistry({ actor, input }),
  () => {
    revalidatePath("/admin/registries");
    redirect("/admin/registries?created=1");
  },
);

export const updateRegistryAction = formAction(
  ZUpdateRegistry,
  (input, actor) => updateRegistry({ actor, input }),
  (input) => {
    revalidatePath("/admin/registries");
    revalidatePath(`/admin/registries/${input.registryId}`);
    return { ok: true, message: "Registry endpoint saved." };
  },
);

export const deleteRegistryAction = formAction(
  ZRegistryRef,
  (input, actor) => deleteRegistry({ actor, registryId: input.registryId }),
  () => {
    revalidatePath("/admin/registries");
    return { ok: true, message: "Registry endpoint deleted." };
  },
  { hiddenFieldsOnly: true },
);

/** Test connection of the settings in the form (with the stored password when the field is left empty). */
export const testRegistrySettingsAction = formAction(
  ZPingRegistry,
  (input, actor) => testRegistryConnection({ actor, input }),
  (_input, result) => ({ ok: result.ok, message: result.message }),
);

/** Test connection of a stored endpoint: its outcome becomes the endpoint's health. */
export const testStoredRegistryAction = formAction(
  ZRegistryRef,
  (input, actor) => testRegistryConnection({ actor, input: { registryId: input.registryId } }),
  (input, result) => {
    revalidatePath("/admin/registries");
    revalidatePath(`/admin/registries/${input.registryId}`);
    return { ok: result.ok, message: result.message };
  },
  { hiddenFieldsOnly: true },
);
