"use client";

import { useCallback, useRef, useState, useTransition } from "react";

/**
 * A button's server action without react-query (its useMutation would put react-query in the
 * page's initial JavaScript): `call(value)` runs the action in a transition; `data` is the last
 * call's answer (cleared while a call runs, as useMutation's was), `isPending` while one runs.
 * `onSettled` runs after every call, answered or failed (the panel refreshes its poll);
 * `onSuccess` per call, with the answer. A call that throws (the network) shows nothing, as before.
 */
export function useCall<V, R>(action: (value: V) => Promise<R>, { onSettled }: { onSettled?: () => void } = {}) {
  const [data, setData] = useState<R | undefined>(undefined);
  const [isPending, startTransition] = useTransition();
  const latest = useRef(0);
  const call = useCallback(
    (value: V, options: { onSuccess?: (result: R) => void } = {}) => {
      const id = ++latest.current;
      setData(undefined);
      startTransition(async () => {
        try {
          const result = await action(value);
          if (id !== latest.current) return;
          setData(result);
          options.onSuccess?.(result);
        } catch {
          // Nothing shown, as a failed mutation showed nothing.
        } finally {
          onSettled?.();
        }
      });
    },
    [action, onSettled],
  );
  const reset = useCallback(() => {
    latest.current++;
    setData(undefined);
  }, []);
  return { call, data, isPending, reset };
}
