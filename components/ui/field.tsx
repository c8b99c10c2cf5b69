import type { InputHTMLAttributes } from "react";

/**
 * A labelled input with its field errors, wired for screen readers (aria-invalid, aria-describedby).
 */
export function Field({
  label,
  name,
  errors,
  hint,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & { label: string; name: string; errors?: string[]; hint?: string }) {
  const id = input.id ?? `field-${name}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const invalid = Boolean(errors?.length);
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        name={name}
        aria-invalid={invalid || undefined}
        aria-describedby={[invalid ? errorId : null, hint ? hintId : null].filter(Boolean).join(" ") || undefined}
        className={`block w-full rounded-md border px-3 py-2 text-sm shadow-sm focus:border-sky-600 focus:outline-none ${
          invalid ? "border-red-500" : "border-slate-300"
        }`}
        {...input}
      />
      {hint && (
        <p id={hintId} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
      {invalid && (
        <p id={errorId} className="text-sm text-red-700" data-testid={`error-${name}`}>
          {errors!.join(". ")}
        </p>
      )}
    </div>
  );
}
