import type { JobHandler } from "@/lib/jobs/define-job";
import type { DeleteRepositoryPayload } from "@/lib/jobs/definitions";
import { deleteRepositoryContent } from "@/lib/services/repositories/delete-repository";

/** One attempt of a `repository.delete` run; a retried attempt continues with the manifests left. */
const handleDeleteRepository: JobHandler<DeleteRepositoryPayload> = (ctx) => deleteRepositoryContent(ctx);

export default handleDeleteRepository;
