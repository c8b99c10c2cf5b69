/** Constants the scanner form shows; no imports (scanners.ts brings zod and node:crypto). */

/** How Wharf authenticates to the adapter, as Harbor spells it; "" is none. */
export const SCANNER_AUTH_TYPES = ["", "Basic", "Bearer", "X-ScannerAdapter-API-Key"] as const;
export type ScannerAuthType = (typeof SCANNER_AUTH_TYPES)[number];

/** The console's catalogue key of each authorization type (scanners.auth.<key>). */
export const SCANNER_AUTH_KEYS = { "": "none", Basic: "basic", Bearer: "bearer", "X-ScannerAdapter-API-Key": "apiKey" } as const satisfies Record<ScannerAuthType, string>;

export const SCANNER_AUTH_LABELS: Record<ScannerAuthType, string> = {
  "": "None",
  Basic: "Basic (username:password)",
  Bearer: "Bearer token",
  "X-ScannerAdapter-API-Key": "API key (X-ScannerAdapter-API-Key header)",
};
