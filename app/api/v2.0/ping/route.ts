/** Harbor's liveness probe: `GET /api/v2.0/ping` answers "Pong". */
export function GET() {
  return new Response("Pong", { headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
