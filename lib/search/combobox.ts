/**
 * Keyboard behaviour of the header search (a WAI-ARIA combobox with a listbox popup), kept pure so
 * it can be tested without a browser; components/shell/header-search.tsx wires it to the DOM.
 */

/** `active` is the index of the highlighted option in the flattened list, or -1 for none. */
export type ComboState = { open: boolean; active: number };

export const CLOSED: ComboState = { open: false, active: -1 };

/** What the component must do besides storing the new state. */
export type ComboCommand =
  | { kind: "none" }
  /** Navigate to the highlighted option. */
  | { kind: "open-option"; index: number }
  /** Navigate to the full results page for the text. */
  | { kind: "open-results" }
  /** Empty the text box (Escape with the popup already closed). */
  | { kind: "clear" };

export type ComboStep = { state: ComboState; command: ComboCommand; preventDefault: boolean };

const NONE: ComboCommand = { kind: "none" };

/**
 * One key press in the text box. `count` is how many options are listed now; `hasText` whether the
 * box holds non-blank text. Keys not handled here (letters, Home/End for the caret) return the
 * state unchanged with preventDefault false, so typing behaves normally.
 */
export function comboKey(state: ComboState, key: string, count: number, hasText: boolean): ComboStep {
  switch (key) {
    case "ArrowDown": {
      // The first press on a closed popup only opens it (the listbox pattern), without choosing.
      if (!state.open) return { state: { open: true, active: -1 }, command: NONE, preventDefault: true };
      if (count === 0) return { state: { open: true, active: -1 }, command: NONE, preventDefault: true };
      // Wraps from the last option to the first, as the ARIA practices' examples do.
      return { state: { open: true, active: state.active + 1 >= count ? 0 : state.active + 1 }, command: NONE, preventDefault: true };
    }
    case "ArrowUp": {
      if (!state.open || count === 0) return { state: { open: true, active: -1 }, command: NONE, preventDefault: true };
      return { state: { open: true, active: state.active <= 0 ? count - 1 : state.active - 1 }, command: NONE, preventDefault: true };
    }
    case "Enter": {
      if (state.open && state.active >= 0 && state.active < count) {
        return { state: CLOSED, command: { kind: "open-option", index: state.active }, preventDefault: true };
      }
      // Nothing highlighted: the full results page, where paging takes over from the few suggestions.
      if (hasText) return { state: CLOSED, command: { kind: "open-results" }, preventDefault: true };
      return { state, command: NONE, preventDefault: true };
    }
    case "Escape": {
      if (state.open) return { state: CLOSED, command: NONE, preventDefault: true };
      if (hasText) return { state: CLOSED, command: { kind: "clear" }, preventDefault: true };
      return { state, command: NONE, preventDefault: false };
    }
    default:
      return { state, command: NONE, preventDefault: false };
  }
}

/** New text typed: the popup opens (when there is text) and nothing is highlighted any more. */
export function comboInput(hasText: boolean): ComboState {
  return { open: hasText, active: -1 };
}

/** New suggestions arrived: a highlight past the end of the shorter list is dropped. */
export function comboResults(state: ComboState, count: number): ComboState {
  return state.active < count ? state : { ...state, active: -1 };
}

export type ShortcutEvent = { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; editable: boolean };

/**
 * "/" or Ctrl+K / Cmd+K focuses the search, except while the user types in another field
 * (`editable`: an input, textarea, select or contenteditable), where "/" is text and Ctrl+K
 * belongs to the field (e.g. delete-to-end-of-line in macOS text fields).
 */
export function isSearchShortcut(e: ShortcutEvent): boolean {
  if (e.editable || e.altKey) return false;
  if (e.key === "/") return !e.ctrlKey && !e.metaKey;
  return (e.key === "k" || e.key === "K") && (e.ctrlKey || e.metaKey);
}
