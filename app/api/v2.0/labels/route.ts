import * as labels from "@/lib/api/routes/labels";

export const dynamic = "force-dynamic";

export const GET = labels.list;
export const POST = labels.create;
