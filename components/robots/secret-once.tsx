"use client";

import { lazy, Suspense } from "react";

/**
 * The panel (Copy, Export to file, the Kubernetes pull secret) is fetched when there is a secret to
 * show, after a create or a refresh: the robots pages do not carry it in their initial JavaScript.
 */
const SecretOnceView = lazy(() => import("@/components/robots/secret-once-view"));

/** A new secret, shown once (secret-once-view.tsx); nothing without one. */
export function SecretOnce({ result }: { result: { ok: boolean; secret?: string | undefined; robotName?: string | undefined; registry?: string | undefined } }) {
  if (!result.ok || !result.secret || !result.robotName) return null;
  return (
    <Suspense fallback={null}>
      <SecretOnceView result={{ ok: true, secret: result.secret, robotName: result.robotName, registry: result.registry }} />
    </Suspense>
  );
}
