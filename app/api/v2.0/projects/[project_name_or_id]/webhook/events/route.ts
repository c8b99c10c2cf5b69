import * as webhooks from "@/lib/api/routes/webhooks";

export const dynamic = "force-dynamic";

export const GET = webhooks.events;
