import * as replication from "@/lib/api/routes/replication";

export const dynamic = "force-dynamic";

export const GET = replication.listPolicies;
export const POST = replication.createPolicy;
