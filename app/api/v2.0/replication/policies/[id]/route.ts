import * as replication from "@/lib/api/routes/replication";

export const dynamic = "force-dynamic";

export const GET = replication.getPolicy;
export const PUT = replication.updatePolicy;
export const DELETE = replication.deletePolicy;
