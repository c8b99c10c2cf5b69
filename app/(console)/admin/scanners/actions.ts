"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { formAction } from "@/lib/actions/form-action";
import { createScanner, deleteScanner, pingScanner, setDefaultScanner, setScannerDisabled, updateScanner } from "@/lib/services/scan/scanners";
import { ZCreateScanner, ZPingScanner, ZScannerRef, ZSetScannerDisabled, ZUpdateScanner } from "@/lib/validation/scanners";

// Thin actions: parse with the shared schema, call the service (which authorizes and audits),
// map errors. Permission checks live in lib/services, never here.

function revalidateScanners(scannerId?: number) {
  revalidatePath("/admin/scanners");
  if (scannerId) revalidatePath(`/admin/scanners/${scannerId}`);
}

export const createScannerAction = formAction(
  ZCreateScanner,
  (input, actor) => createScanner({ actor, input }),
  () => {
    revalidateScanners();
    redirect("/admin/scanners?created=1");
  },
);

export const updateScannerAction = formAction(
  ZUpdateScanner,
  (input, actor) => updateScanner({ actor, input }),
  (input) => {
    revalidateScanners(input.scannerId);
    return { ok: true, message: "Scanner saved." };
  },
);

export const deleteScannerAction = formAction(
  ZScannerRef,
  (input, actor) => deleteScanner({ actor, scannerId: input.scannerId }),
  (_input, deleted) => {
    revalidateScanners();
    return { ok: true, message: `Scanner ${deleted.name} deleted.` };
  },
  { hiddenFieldsOnly: true },
);

export const setDefaultScannerAction = formAction(
  ZScannerRef,
  (input, actor) => setDefaultScanner({ actor, scannerId: input.scannerId }),
  (input, scanner) => {
    revalidateScanners(input.scannerId);
    return { ok: true, message: `${scanner.name} is now the default scanner.` };
  },
  { hiddenFieldsOnly: true },
);

export const setScannerDisabledAction = formAction(
  ZSetScannerDisabled,
  (input, actor) => setScannerDisabled({ actor, scannerId: input.scannerId, disabled: input.disabled }),
  (input, scanner) => {
    revalidateScanners(input.scannerId);
    return { ok: true, message: `Scanner ${scanner.name} ${scanner.disabled ? "disabled" : "enabled"}.` };
  },
  { hiddenFieldsOnly: true },
);

/** Test connection of the settings in the form (with the stored credential when the field is left empty). */
export const testScannerSettingsAction = formAction(
  ZPingScanner,
  (input, actor) => pingScanner({ actor, input }),
  (_input, result) => ({ ok: result.ok, message: result.message }),
);

/** Test connection of a stored registration: its outcome becomes its health and capabilities. */
export const testStoredScannerAction = formAction(
  ZScannerRef,
  (input, actor) => pingScanner({ actor, input: { scannerId: input.scannerId } }),
  (input, result) => {
    revalidateScanners(input.scannerId);
    return { ok: result.ok, message: result.message };
  },
  { hiddenFieldsOnly: true },
);
