import { describe, expect, it } from "vitest";
import { CLOSED, comboInput, comboKey, comboResults, isSearchShortcut } from "@/lib/search/combobox";

const open = (active: number) => ({ open: true, active });

describe("comboKey", () => {
  it("ArrowDown opens a closed popup without highlighting, then walks the options and wraps", () => {
    expect(comboKey(CLOSED, "ArrowDown", 3, true)).toMatchObject({ state: open(-1), preventDefault: true });
    expect(comboKey(open(-1), "ArrowDown", 3, true).state).toEqual(open(0));
    expect(comboKey(open(1), "ArrowDown", 3, true).state).toEqual(open(2));
    expect(comboKey(open(2), "ArrowDown", 3, true).state).toEqual(open(0));
    expect(comboKey(open(-1), "ArrowDown", 0, true).state).toEqual(open(-1));
  });

  it("ArrowUp walks back from none to the last option and wraps", () => {
    expect(comboKey(open(-1), "ArrowUp", 3, true).state).toEqual(open(2));
    expect(comboKey(open(2), "ArrowUp", 3, true).state).toEqual(open(1));
    expect(comboKey(open(0), "ArrowUp", 3, true).state).toEqual(open(2));
  });

  it("Enter opens the highlighted option, else the full results for non-blank text", () => {
    expect(comboKey(open(1), "Enter", 3, true)).toEqual({ state: CLOSED, command: { kind: "open-option", index: 1 }, preventDefault: true });
    expect(comboKey(open(-1), "Enter", 3, true).command).toEqual({ kind: "open-results" });
    // A highlight left over from a longer list is not followed.
    expect(comboKey(open(5), "Enter", 3, true).command).toEqual({ kind: "open-results" });
    expect(comboKey(CLOSED, "Enter", 0, true).command).toEqual({ kind: "open-results" });
    expect(comboKey(CLOSED, "Enter", 0, false).command).toEqual({ kind: "none" });
  });

  it("Escape closes the popup first, then clears the text; with neither it leaves the key alone", () => {
    expect(comboKey(open(1), "Escape", 3, true)).toEqual({ state: CLOSED, command: { kind: "none" }, preventDefault: true });
    expect(comboKey(CLOSED, "Escape", 3, true).command).toEqual({ kind: "clear" });
    expect(comboKey(CLOSED, "Escape", 0, false)).toEqual({ state: CLOSED, command: { kind: "none" }, preventDefault: false });
  });

  it("leaves other keys to the text box", () => {
    expect(comboKey(open(1), "a", 3, true)).toEqual({ state: open(1), command: { kind: "none" }, preventDefault: false });
    expect(comboKey(open(1), "Home", 3, true).preventDefault).toBe(false);
  });
});

describe("comboInput and comboResults", () => {
  it("typing opens the popup for text and drops the highlight; blank text closes it", () => {
    expect(comboInput(true)).toEqual(open(-1));
    expect(comboInput(false)).toEqual(CLOSED);
  });

  it("new results keep a highlight that still exists and drop one past the end", () => {
    expect(comboResults(open(1), 3)).toEqual(open(1));
    expect(comboResults(open(3), 3)).toEqual(open(-1));
  });
});

describe("isSearchShortcut", () => {
  const ev = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; editable: boolean }> = {}) => ({
    key,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    editable: false,
    ...mods,
  });

  it("takes / and Ctrl+K or Cmd+K outside text fields", () => {
    expect(isSearchShortcut(ev("/"))).toBe(true);
    expect(isSearchShortcut(ev("k", { ctrlKey: true }))).toBe(true);
    expect(isSearchShortcut(ev("k", { metaKey: true }))).toBe(true);
    expect(isSearchShortcut(ev("K", { ctrlKey: true }))).toBe(true);
  });

  it("leaves them to another field being typed in, and ignores near misses", () => {
    expect(isSearchShortcut(ev("/", { editable: true }))).toBe(false);
    expect(isSearchShortcut(ev("k", { ctrlKey: true, editable: true }))).toBe(false);
    expect(isSearchShortcut(ev("k"))).toBe(false);
    expect(isSearchShortcut(ev("/", { ctrlKey: true }))).toBe(false);
    expect(isSearchShortcut(ev("k", { ctrlKey: true, altKey: true }))).toBe(false);
  });
});
