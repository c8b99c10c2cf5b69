import { z } from "zod";
import { addressRangeError } from "@/lib/auth/client-address";

/** Enough for an office's ranges and a few VPNs; a longer list is a firewall's job. */
export const IP_ALLOWLIST_MAX_ENTRIES = 100;

/**
 * The system IP allowlist: IP addresses and CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`). Empty
 * means every address may reach Wharf. Entries are trimmed, blanks dropped, duplicates kept once;
 * each bad entry is named in the field message.
 */
export const ZIpAllowlist = z
  .array(z.string().max(64, "An entry has at most 64 characters"))
  .transform((entries) => [...new Set(entries.map((e) => e.trim()).filter(Boolean))])
  .pipe(
    z
      .array(z.string())
      .max(IP_ALLOWLIST_MAX_ENTRIES, `At most ${IP_ALLOWLIST_MAX_ENTRIES} entries`)
      .superRefine((entries, ctx) => {
        for (const entry of entries) {
          const error = addressRangeError(entry);
          if (error) ctx.addIssue({ code: "custom", message: error });
        }
      }),
  );
export type TIpAllowlist = z.infer<typeof ZIpAllowlist>;

/** The console's textarea: one entry per line (commas and spaces also separate). */
export function ipAllowlistFromText(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** The Settings page's form: the textarea's text becomes the list the REST API takes. */
export const ZIpAllowlistForm = z.object({
  entries: z.string().max(10_000, "At most 10,000 characters").transform(ipAllowlistFromText).pipe(ZIpAllowlist),
});
