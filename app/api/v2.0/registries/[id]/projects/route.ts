import * as registries from "@/lib/api/routes/registries";

export const dynamic = "force-dynamic";

export const GET = registries.projects;
