import type { ReactNode } from "react";

/**
 * The box a table scrolls in when the screen is narrower than the table: focusable and named, so
 * a keyboard user can scroll it too (WCAG 2.1.1; axe "scrollable-region-focusable").
 */
export function TableScroll({ label, children, className }: { label: string; children: ReactNode; className?: string }) {
  return (
    <div className={className ? `table-wrap ${className}` : "table-wrap"} tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
