"use client";

import Link from "next/link";
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";

/** A status message of what a save or a flag action changed, with links to correct it. */
export interface ChangeNotice {
  lines: string[];
  links: { href: string; label: string }[];
}

const AnnounceContext = createContext<(notice: ChangeNotice) => void>(() => {});

/** For a form on the patient page: puts its change in the page's status message. */
export function useAnnounce(): (notice: ChangeNotice) => void {
  return useContext(AnnounceContext);
}

/**
 * The patient page's one status message (an ARIA live region at the top of the page): what the
 * last save or flag action changed. It lives above the forms, so it stays when the card that
 * acted goes (a closed flag leaves the open list). A notice that came with the page (after a
 * saved assessment) takes the keyboard focus, so it is read out first; its URL parameters are
 * then dropped from the address bar, so a bookmark or reload does not repeat it.
 */
export function ChangeNoticeProvider({ initial, children }: { initial: ChangeNotice | null; children: ReactNode }) {
  const [notice, setNotice] = useState<ChangeNotice | null>(initial);
  const regionRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!initial) return;
    regionRef.current?.focus();
    const url = new URL(window.location.href);
    for (const key of ["saved", "tier", "opened", "closed"]) url.searchParams.delete(key);
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }, [initial]);
  return (
    <AnnounceContext value={setNotice}>
      <div ref={regionRef} role="status" aria-live="polite" aria-atomic="true" tabIndex={-1} className={notice ? "change-notice form-ok" : "change-notice empty"}>
        {notice ? (
          <>
            <p className="flush">{notice.lines.join(" ")}</p>
            {notice.links.length > 0 ? (
              <p className="flush small">
                {notice.links.map((link, i) => (
                  <span key={link.href}>
                    {i > 0 ? " · " : ""}
                    <Link href={link.href}>{link.label}</Link>
                  </span>
                ))}
              </p>
            ) : null}
          </>
        ) : null}
      </div>
      {children}
    </AnnounceContext>
  );
}
