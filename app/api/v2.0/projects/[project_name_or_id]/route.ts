import * as projects from "@/lib/api/routes/projects";

export const dynamic = "force-dynamic";

export const GET = projects.get;
export const PUT = projects.update;
export const DELETE = projects.remove;
