import * as naming from "@/lib/api/routes/tag-naming-policy";

export const dynamic = "force-dynamic";

export const GET = naming.get;
export const PUT = naming.put;
export const DELETE = naming.remove;
