"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useEffect, useId, useRef, useState } from "react";
import { searchSuggestionsAction, type Suggestion, type Suggestions } from "@/app/(console)/search/actions";
import { valueOf } from "@/lib/actions/poll-value";
import { CLOSED, type ComboState, comboInput, comboKey, comboResults, isSearchShortcut } from "@/lib/search/combobox";

/** Long enough that a typist's word is one request, short enough to feel immediate. */
const DEBOUNCE_MS = 200;
/** An answer is reused for the same text this long (typing back and forth asks once). */
const STALE_MS = 30_000;

// Not react-query: the shell is on every page, and this is its only query; react-query's ~9 KB
// gzip now loads only on the pages that poll (their route layouts hold its provider).
const answers = new Map<string, { at: number; value: Promise<Suggestions> }>();

function suggestionsFor(q: string): Promise<Suggestions> {
  const hit = answers.get(q);
  if (hit && Date.now() - hit.at < STALE_MS) return hit.value;
  const value = searchSuggestionsAction(q).then(valueOf);
  answers.set(q, { at: Date.now(), value });
  value.catch(() => answers.delete(q));
  if (answers.size > 100) answers.delete(answers.keys().next().value!);
  return value;
}

/** The suggestions for the (debounced) text, or that asking failed; nothing while it is asked. */
function useSuggestions(q: string): { data: Suggestions | undefined; isError: boolean } {
  const [answer, setAnswer] = useState<{ q: string; data?: Suggestions; failed: boolean } | null>(null);
  useEffect(() => {
    if (!q) return;
    let live = true;
    suggestionsFor(q).then(
      (data) => live && setAnswer({ q, data, failed: false }),
      () => live && setAnswer({ q, failed: true }),
    );
    return () => {
      live = false;
    };
  }, [q]);
  // An answer for other text is not shown (a slow answer must not replace a newer one).
  const current = answer?.q === q ? answer : null;
  return { data: current?.data, isError: current?.failed ?? false };
}

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/**
 * The console header's search: a combobox over projects and repositories, fed by a server action
 * over the search service (which alone decides what the signed-in user may see). "/" or
 * Ctrl/Cmd+K focuses it; Enter with nothing highlighted opens /search with every match, paged.
 * Below `sm` it folds into an icon button so the header still fits 390 px.
 */
export function HeaderSearch() {
  const router = useRouter();
  const id = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const t = useTranslations("search");
  const [text, setText] = useState("");
  const [debounced, setDebounced] = useState("");
  const [stored, setCombo] = useState<ComboState>(CLOSED);
  // Only matters below `sm`, where the box is hidden until the icon button (or a shortcut) opens it.
  const [unfolded, setUnfolded] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(text.trim()), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  const { data, isError } = useSuggestions(debounced);
  // Answers for text no longer in the box are not shown (a slow answer must not replace a newer one).
  const current = data && data.q === text.trim() ? data : undefined;
  const options: Suggestion[] = current ? [...current.projects, ...current.repositories] : [];
  const count = options.length;

  // Derived, not synchronised by an effect: a highlight past the end of a shorter new list is dropped.
  const combo = comboResults(stored, count);

  useEffect(() => {
    if (focusRequest === 0) return;
    inputRef.current?.focus();
    inputRef.current?.select();
  }, [focusRequest]);

  useEffect(() => {
    function onKeyDown(e: KeyboardEvent) {
      const own = e.target === inputRef.current;
      if (own && (e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
        // Already here: keep the browser from moving focus to its address bar.
        e.preventDefault();
        inputRef.current?.select();
        return;
      }
      if (!isSearchShortcut({ key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey, editable: isEditable(e.target) })) return;
      e.preventDefault();
      setUnfolded(true);
      setFocusRequest((n) => n + 1);
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, []);

  function go(href: string) {
    setCombo(CLOSED);
    setUnfolded(false);
    inputRef.current?.blur();
    router.push(href);
  }

  function onKeyDown(e: React.KeyboardEvent<HTMLInputElement>) {
    const step = comboKey(combo, e.key, count, text.trim().length > 0);
    if (step.preventDefault) e.preventDefault();
    setCombo(step.state);
    switch (step.command.kind) {
      case "open-option":
        go(options[step.command.index]!.href);
        break;
      case "open-results":
        go(`/search?q=${encodeURIComponent(text.trim())}`);
        break;
      case "clear":
        setText("");
        setUnfolded(false);
        break;
    }
  }

  const listId = `${id}-list`;
  const optionId = (i: number) => `${id}-opt-${i}`;
  const showPopup = combo.open && text.trim().length > 0;
  const waiting = !current && !isError;

  function group(key: "projects" | "repositories", items: Suggestion[], offset: number) {
    const title = t(key);
    if (items.length === 0) return null;
    const headingId = `${id}-${key}`;
    return (
      <div role="group" aria-labelledby={headingId}>
        <div id={headingId} role="presentation" className="px-3 pt-2 pb-1 text-xs font-semibold tracking-wide text-slate-500 uppercase">
          {title}
        </div>
        {items.map((s, i) => {
          const index = offset + i;
          const active = index === combo.active;
          return (
            <Link
              key={s.key}
              id={optionId(index)}
              role="option"
              aria-selected={active}
              href={s.href}
              prefetch={false}
              tabIndex={-1}
              // mousedown would blur the input first and close the popup before the click lands.
              onMouseDown={(e) => e.preventDefault()}
              onMouseEnter={() => setCombo({ open: true, active: index })}
              onClick={() => {
                setCombo(CLOSED);
                setUnfolded(false);
              }}
              className={`flex min-w-0 items-baseline justify-between gap-3 px-3 py-1.5 text-sm ${active ? "bg-sky-100 text-sky-900" : "text-slate-800"}`}
            >
              <span className="min-w-0 truncate font-medium">{s.label}</span>
              <span className="shrink-0 text-xs text-slate-500">{s.detail}</span>
            </Link>
          );
        })}
      </div>
    );
  }

  return (
    <div ref={rootRef} className={`relative mr-auto ${unfolded ? "w-full sm:w-auto" : ""}`} data-testid="header-search">
      <button
        type="button"
        onClick={() => {
          setUnfolded(true);
          setFocusRequest((n) => n + 1);
        }}
        aria-label={t("label")}
        className={`rounded-md border border-slate-300 p-1.5 text-slate-600 hover:bg-slate-100 sm:hidden ${unfolded ? "hidden" : ""}`}
        data-testid="header-search-open"
      >
        <svg aria-hidden="true" viewBox="0 0 20 20" width="18" height="18" fill="none" stroke="currentColor" strokeWidth="2">
          <circle cx="8.5" cy="8.5" r="5.5" />
          <path d="m13 13 4.5 4.5" strokeLinecap="round" />
        </svg>
      </button>
      <div className={`${unfolded ? "block" : "hidden"} relative sm:block`}>
        <label htmlFor={`${id}-input`} className="sr-only">
          {t("label")}
        </label>
        <input
          ref={inputRef}
          id={`${id}-input`}
          type="text"
          role="combobox"
          aria-expanded={showPopup && count > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={showPopup && combo.active >= 0 ? optionId(combo.active) : undefined}
          aria-keyshortcuts="/ Control+K Meta+K"
          autoComplete="off"
          spellCheck={false}
          maxLength={255}
          value={text}
          placeholder={t("placeholder")}
          onChange={(e) => {
            setText(e.target.value);
            setCombo(comboInput(e.target.value.trim().length > 0));
          }}
          onFocus={() => text.trim() && setCombo((c) => ({ ...c, open: true }))}
          onBlur={(e) => {
            if (rootRef.current?.contains(e.relatedTarget as Node | null)) return;
            setCombo(CLOSED);
            if (!text) setUnfolded(false);
          }}
          onKeyDown={onKeyDown}
          className="block w-full rounded-md border border-slate-300 py-1.5 pr-9 pl-3 text-sm shadow-sm focus:border-sky-600 focus:outline-none sm:w-64 lg:w-80"
          data-testid="header-search-input"
        />
        <kbd aria-hidden="true" className="pointer-events-none absolute top-1/2 right-2 hidden -translate-y-1/2 rounded border border-slate-300 px-1.5 text-xs text-slate-500 sm:block">
          /
        </kbd>
        <div
          id={listId}
          role="listbox"
          aria-label={t("suggestions")}
          // Empty, it stays hidden: the status below says "no results" instead.
          hidden={!showPopup || count === 0}
          className="absolute top-full left-0 z-20 mt-1 max-h-[70vh] w-full overflow-y-auto rounded-md border border-slate-200 bg-white py-1 shadow-lg sm:w-[28rem]"
          data-testid="header-search-list"
        >
          {showPopup && current && group("projects", current.projects, 0)}
          {showPopup && current && group("repositories", current.repositories, current.projects.length)}
        </div>
        {/* Outside the listbox (a listbox may hold only options): the status is read out politely. */}
        <div role="status" aria-live="polite" className={showPopup && count === 0 ? "absolute top-full left-0 z-20 mt-1 w-full rounded-md border border-slate-200 bg-white px-3 py-2 text-sm text-slate-600 shadow-lg sm:w-[28rem]" : "sr-only"}>
          {!showPopup
            ? ""
            : isError
              ? t("failed")
              : waiting
                ? t("searching")
                : count === 0
                  ? t("noMatch", { q: text.trim() })
                  : t("count", { count })}
        </div>
      </div>
    </div>
  );
}
