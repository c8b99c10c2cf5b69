import * as webhooks from "@/lib/api/routes/webhooks";

export const dynamic = "force-dynamic";

export const GET = webhooks.get;
export const PUT = webhooks.update;
export const DELETE = webhooks.remove;
