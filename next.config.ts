import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";

// next-intl: the console's messages (messages/*.json) and the language chosen per request. The
// catalogues are precompiled at build time, so pages load a small formatter instead of the ICU
// message parser (about 10 KB gzip on every page; issue 16's first-load goal). The option is marked
// experimental in next-intl 4; e2e/i18n.spec.ts and every translated page's e2e exercise it.
const withNextIntl = createNextIntlPlugin({
  requestConfig: "./lib/i18n/request.ts",
  experimental: { messages: { path: "./messages", format: "json", locales: ["en", "zh-CN"], precompile: true } },
});

// Security headers on every response. Next's own inline bootstrap scripts need 'unsafe-inline'
// (a nonce would make every page dynamic); everything else is same-origin only, and no page
// may be framed (clickjacking).
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'self'",
  "object-src 'none'",
].join("; ");

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Registry clients call `/v2/` and `/v2/<name>/blobs/uploads/` with the trailing slash; a 308
  // redirect would break uploads (POST/PUT bodies) in some clients.
  skipTrailingSlashRedirect: true,
  // Pages, scripts, styles and API answers are gzipped when the client asks (a page's JavaScript is
  // several hundred KB uncompressed). The /v2 registry protocol never reaches Next: the front
  // (lib/runtime/server.ts) serves it byte for byte, so digests and Content-Length stay intact.
  compress: true,
  // pg-boss is loaded from node_modules at run time, not bundled: the launcher's worker and the
  // server actions that queue jobs share one instance through globalThis (lib/jobs/boss.ts).
  // CycloneDX's library (the SBOM) requires optional plugins (XML, schema validation) only if they
  // are installed; bundled, those requires fail the build, so it is loaded from node_modules too.
  // prom-client keeps module state (its cluster and default-metrics hooks); loaded once from
  // node_modules, as the front loads it, rather than a second bundled copy (lib/metrics/metrics.ts).
  serverExternalPackages: ["pg-boss", "@cyclonedx/cyclonedx-library", "prom-client"],
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Content-Security-Policy", value: contentSecurityPolicy },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
        ],
      },
    ];
  },
};

export default withNextIntl(nextConfig);
