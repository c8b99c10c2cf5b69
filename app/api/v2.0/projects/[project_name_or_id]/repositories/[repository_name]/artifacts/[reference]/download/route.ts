import * as r from "@/lib/api/routes/artifact-archive";

export const dynamic = "force-dynamic";

export const GET = r.downloadArtifactRoute;
