/** Harbor's `GET /api/v2.0/health` shape (types only, safe for client components). */
export type ComponentHealth = { name: "core" | "database" | "registry"; status: "healthy" | "unhealthy"; error?: string };
export type SystemHealth = { status: "healthy" | "unhealthy"; components: ComponentHealth[] };
