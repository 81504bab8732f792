"use client";

import { getSession, signOut } from "next-auth/react";
import { useEffect } from "react";

const ACTIVITY_EVENTS = ["keydown", "pointerdown", "scroll", "focus"] as const;
/** Refresh the session cookie at most this often while the user is active. */
const REFRESH_EVERY_MS = 60_000;

/**
 * Keeps an active user's session alive and signs an idle one out. The server enforces the same
 * limit (the session JWT expires after the idle period unless re-issued), so this component only
 * makes the experience tidy: a clear message instead of a failed request later.
 */
export function IdleSession({ idleMinutes }: { idleMinutes: number }) {
  useEffect(() => {
    let lastActivity = Date.now();
    let lastRefresh = Date.now();
    const onActivity = () => {
      lastActivity = Date.now();
      if (lastActivity - lastRefresh > REFRESH_EVERY_MS) {
        lastRefresh = lastActivity;
        void getSession();
      }
    };
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, onActivity, { passive: true });
    const timer = window.setInterval(() => {
      if (Date.now() - lastActivity > idleMinutes * 60_000) {
        window.clearInterval(timer);
        void signOut({ callbackUrl: "/login?reason=idle" });
      }
    }, 15_000);
    return () => {
      window.clearInterval(timer);
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, onActivity);
    };
  }, [idleMinutes]);
  return null;
}
