import { unknownEndpoint } from "@/lib/api/routes/fallback";

export const dynamic = "force-dynamic";

// Only paths no other route under /api/v2.0 matches arrive here (Next prefers static and
// single-segment dynamic routes over a catch-all).
export const GET = unknownEndpoint;
export const HEAD = unknownEndpoint;
export const POST = unknownEndpoint;
export const PUT = unknownEndpoint;
export const PATCH = unknownEndpoint;
export const DELETE = unknownEndpoint;
