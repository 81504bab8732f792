"use client";

import { useEffect } from "react";

/** Where a typed "/" belongs to what is being typed, not to the shortcut. */
function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.closest("input, textarea, select, [contenteditable]") !== null;
}

/**
 * "/" moves the keyboard to the page's search box (an element marked `data-shortcut-search`), as
 * on many web apps; typed inside a field, or with a modifier held, "/" is left alone.
 */
export function SearchShortcut() {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || isTypingTarget(event.target)) return;
      const box = document.querySelector<HTMLInputElement>("[data-shortcut-search]");
      if (!box) return;
      event.preventDefault();
      box.focus();
      box.select();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  return null;
}
