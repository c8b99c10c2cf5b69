import * as registries from "@/lib/api/routes/registries";

export const dynamic = "force-dynamic";

export const GET = registries.get;
export const PUT = registries.update;
export const DELETE = registries.remove;
