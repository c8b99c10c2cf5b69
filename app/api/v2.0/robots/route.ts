import * as robots from "@/lib/api/routes/robots";

export const dynamic = "force-dynamic";

export const GET = robots.list;
export const POST = robots.create;
