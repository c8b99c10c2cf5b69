import type { ReactNode } from "react";

const TONES = {
  neutral: "bg-slate-100 text-slate-700",
  good: "bg-emerald-100 text-emerald-800",
  bad: "bg-red-100 text-red-800",
  info: "bg-sky-100 text-sky-800",
} as const;

/**
 * A small label that never breaks inside itself: in a wrapping row of badges each moves to the
 * next line whole. A long one is cut with an ellipsis by a `max-w-*` in `className` (give the
 * full text as `title`).
 */
export function Badge({ tone = "neutral", className = "", title, children }: { tone?: keyof typeof TONES; className?: string; title?: string; children: ReactNode }) {
  return (
    <span title={title} className={`inline-block truncate rounded-full px-2 py-0.5 align-middle text-xs font-medium ${TONES[tone]} ${className}`}>
      {children}
    </span>
  );
}
