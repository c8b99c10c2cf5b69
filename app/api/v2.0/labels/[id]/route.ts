import * as labels from "@/lib/api/routes/labels";

export const dynamic = "force-dynamic";

export const GET = labels.get;
export const PUT = labels.update;
export const DELETE = labels.remove;
