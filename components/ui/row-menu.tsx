"use client";

import Link from "next/link";
import { type KeyboardEvent, useCallback, useEffect, useId, useLayoutEffect, useRef, useState, useSyncExternalStore } from "react";

/** One entry of a row menu: an action run on selection, or a link followed. */
export type RowMenuItem =
  | { kind: "action"; label: string; detail?: string; tone?: "danger"; onSelect: () => void }
  | { kind: "link"; label: string; detail?: string; href: string };

type Position = { top?: number; bottom?: number; right: number };

/** Where the menu goes for a button at `rect`: below it when there is room, else above; right edges aligned. */
function placeFor(rect: DOMRect): Position {
  const right = Math.max(8, window.innerWidth - rect.right);
  return window.innerHeight - rect.bottom >= 240 || rect.top < 240 ? { top: rect.bottom + 4, right } : { bottom: window.innerHeight - rect.top + 4, right };
}

const noSubscription = () => () => {};

/**
 * A table row's actions behind one button (the WAI-ARIA menu button pattern): the button opens a
 * menu of items; ArrowDown/ArrowUp (wrapping), Home and End move between them, Enter or Space
 * selects, Escape closes and gives focus back to the button, Tab and a click outside close it.
 * Enter, Space or ArrowDown on the button open the menu on its first item, ArrowUp on its last.
 *
 * The menu is `position: fixed` next to its button (and follows it when the page scrolls), so a
 * table's scroll box does not clip it and it adds no width to the page. Before an action runs, the
 * menu closes and focus returns to the button, so a dialog the action opens gives focus back there
 * when it closes. The button is disabled until the page is hydrated: a click before that would
 * be lost.
 */
export function RowMenu({ label, items, testId }: { label: string; items: RowMenuItem[]; testId?: string }) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [position, setPosition] = useState<Position | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const itemRefs = useRef<(HTMLElement | null)[]>([]);
  const menuId = useId();
  const buttonId = useId();
  // false in the server's HTML and during hydration, true once React runs in the browser.
  const hydrated = useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );

  const close = useCallback((refocus: boolean) => {
    setOpen(false);
    if (refocus) buttonRef.current?.focus();
  }, []);

  const openAt = (index: number) => {
    const rect = buttonRef.current?.getBoundingClientRect();
    if (!rect) return;
    setPosition(placeFor(rect));
    setActive(index);
    setOpen(true);
  };

  useLayoutEffect(() => {
    if (open) itemRefs.current[active]?.focus();
  }, [open, active]);

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) close(false);
    };
    // A fixed menu would drift away from its row: it follows the button when the page scrolls or
    // resizes (closing instead would also close it on the scroll that brought the button into view).
    const onMove = () => {
      const rect = buttonRef.current?.getBoundingClientRect();
      if (rect) setPosition(placeFor(rect));
    };
    document.addEventListener("pointerdown", onPointerDown);
    window.addEventListener("scroll", onMove, true);
    window.addEventListener("resize", onMove);
    return () => {
      document.removeEventListener("pointerdown", onPointerDown);
      window.removeEventListener("scroll", onMove, true);
      window.removeEventListener("resize", onMove);
    };
  }, [open, close]);

  const onButtonKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    // Enter and Space click the button (which opens the menu on its first item).
    if (event.key === "ArrowDown") {
      event.preventDefault();
      openAt(0);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      openAt(items.length - 1);
    }
  };

  const select = (item: RowMenuItem) => {
    close(true);
    if (item.kind === "action") item.onSelect();
  };

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const last = items.length - 1;
    const move: Record<string, number> = { ArrowDown: active === last ? 0 : active + 1, ArrowUp: active === 0 ? last : active - 1, Home: 0, End: last };
    if (event.key in move) {
      event.preventDefault();
      setActive(move[event.key]!);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close(true);
    } else if (event.key === "Tab") {
      close(false);
    }
    // Enter (and Space on an action) is the browser's own activation: it clicks the focused item.
  };

  const itemClass = (item: RowMenuItem, index: number) =>
    `block w-full px-3 py-2 text-left text-sm outline-none ${index === active ? "bg-slate-100" : ""} ${
      item.kind === "action" && item.tone === "danger" ? "text-red-700" : "text-slate-800"
    } hover:bg-slate-100 focus-visible:bg-slate-100`;
  const content = (item: RowMenuItem) => (
    <>
      <span className="block">{item.label}</span>
      {item.detail && <span className="mt-0.5 block truncate font-mono text-xs text-slate-500">{item.detail}</span>}
    </>
  );

  return (
    <div className="inline-block" data-testid={testId}>
      <button
        ref={buttonRef}
        id={buttonId}
        type="button"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        disabled={!hydrated}
        onClick={() => (open ? close(false) : openAt(0))}
        onKeyDown={onButtonKeyDown}
        className="inline-flex h-8 w-8 items-center justify-center rounded-md border border-slate-300 bg-white text-slate-700 shadow-sm hover:bg-slate-100 disabled:opacity-60"
      >
        <span aria-hidden="true" className="text-lg leading-none">
          ⋯
        </span>
      </button>
      {open && position && (
        <div
          ref={menuRef}
          id={menuId}
          role="menu"
          aria-labelledby={buttonId}
          onKeyDown={onMenuKeyDown}
          style={{ position: "fixed", top: position.top, bottom: position.bottom, right: position.right }}
          className="z-50 w-72 max-w-[calc(100vw-1rem)] overflow-hidden rounded-md border border-slate-200 bg-white py-1 shadow-lg"
        >
          {items.map((item, index) =>
            item.kind === "link" ? (
              <Link
                key={item.label}
                ref={(el) => {
                  itemRefs.current[index] = el;
                }}
                href={item.href}
                prefetch={false}
                role="menuitem"
                tabIndex={-1}
                onClick={() => close(false)}
                onMouseEnter={() => setActive(index)}
                className={itemClass(item, index)}
              >
                {content(item)}
              </Link>
            ) : (
              <button
                key={item.label}
                ref={(el) => {
                  itemRefs.current[index] = el;
                }}
                type="button"
                role="menuitem"
                tabIndex={-1}
                onClick={() => select(item)}
                onMouseEnter={() => setActive(index)}
                className={itemClass(item, index)}
              >
                {content(item)}
              </button>
            ),
          )}
        </div>
      )}
    </div>
  );
}
