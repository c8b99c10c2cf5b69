import * as robots from "@/lib/api/routes/robots";

export const dynamic = "force-dynamic";

export const GET = robots.get;
export const PUT = robots.update;
export const PATCH = robots.refresh;
export const DELETE = robots.remove;
