import * as r from "@/lib/api/routes/repositories";

export const dynamic = "force-dynamic";

export const GET = r.getRepositoryRoute;
export const PUT = r.updateRepositoryRoute;
export const DELETE = r.deleteRepositoryRoute;
