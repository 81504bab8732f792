"use client";

// Imported for its effect, before any page's client code builds a schema (see the module).
import "@/lib/validation/zod-browser";

/** Rendered first in the root layout so its module runs before the pages' client components. */
export function BrowserSetup(): null {
  return null;
}
