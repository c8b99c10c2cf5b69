import * as projects from "@/lib/api/routes/projects";

export const dynamic = "force-dynamic";

export const GET = projects.list;
export const HEAD = projects.head;
export const POST = projects.create;
