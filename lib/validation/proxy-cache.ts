import { z } from "zod";
import { ZCheckbox, ZId } from "@/lib/validation/common";

/** The Cache tab's mirror switch: this project becomes the registry mirror (on) or mirror mode ends (off). */
export const ZSetRegistryMirror = z.object({ projectId: ZId, mirror: ZCheckbox });
export type TSetRegistryMirror = z.infer<typeof ZSetRegistryMirror>;
