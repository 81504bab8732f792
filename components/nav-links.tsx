"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState, useSyncExternalStore } from "react";

const noSubscription = () => () => {};

/**
 * The main navigation. On a narrow screen (app/globals.css, ≤ 760 px) it folds behind a "Menu"
 * button (a real button, so Enter and Space open it, and `aria-expanded` says whether it is open);
 * Escape closes it and returns to the button. Without JavaScript the links simply stay listed.
 */
export function NavLinks({ links, who }: { links: readonly { href: string; label: string }[]; who: string }) {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const hydrated = useSyncExternalStore(noSubscription, () => true, () => false);
  // A followed link closes the menu, so the next page opens with its content in view.
  const [seenPath, setSeenPath] = useState(pathname);
  if (pathname !== seenPath) {
    setSeenPath(pathname);
    setOpen(false);
  }
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      document.getElementById("nav-toggle")?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);
  return (
    <>
      {hydrated ? (
        <button id="nav-toggle" type="button" className="nav-toggle" aria-expanded={open} aria-controls="main-nav" onClick={() => setOpen((o) => !o)}>
          <span aria-hidden="true">{open ? "✕" : "☰"}</span> Menu
        </button>
      ) : null}
      <nav id="main-nav" aria-label="Main" className="main-nav" data-collapsed={hydrated && !open ? "true" : "false"}>
        <ul>
          {links.map((link) => (
            <li key={link.href}>
              <Link href={link.href} aria-current={pathname.startsWith(link.href) ? "page" : undefined}>
                {link.label}
              </Link>
            </li>
          ))}
        </ul>
        <span className="nav-who">Signed in as {who}</span>
      </nav>
    </>
  );
}
