import type { JobHandler } from "@/lib/jobs/define-job";
import type { RegistryGcPayload } from "@/lib/jobs/definitions";
import { runRegistryGc } from "@/lib/services/gc/gc";

/** One attempt of a `registry.gc` run: a dry run, or the sweep inside the read-only window. */
const handleRegistryGc: JobHandler<RegistryGcPayload> = (ctx) => runRegistryGc(ctx);

export default handleRegistryGc;
