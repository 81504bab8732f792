"use client";

import { useState, type ReactNode } from "react";
import { TableScroll } from "@/components/table-scroll";

export interface UploadTableColumn<T> {
  header: string;
  cell: (item: T) => ReactNode;
}

/**
 * A preview's list of problems, a page at a time: a file with thousands of bad rows stays usable
 * (the full list is a CSV download beside it).
 */
export function UploadTable<T>({
  caption,
  items,
  columns,
  rowKey,
  pageSize = 50,
}: {
  caption: string;
  items: readonly T[];
  columns: readonly UploadTableColumn<T>[];
  rowKey: (item: T, index: number) => string;
  pageSize?: number;
}) {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(items.length / pageSize));
  const current = Math.min(page, pages - 1);
  const shown = items.slice(current * pageSize, (current + 1) * pageSize);
  const first = current * pageSize + 1;
  return (
    <div>
      <TableScroll label={`${caption}: table`}>
        <table>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column.header} scope="col">
                  {column.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((item, i) => (
              <tr key={rowKey(item, current * pageSize + i)}>
                {columns.map((column) => (
                  <td key={column.header}>{column.cell(item)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {pages > 1 ? (
        <nav className="pager" aria-label={`${caption}: pages`}>
          <button type="button" onClick={() => setPage(current - 1)} disabled={current === 0}>
            Previous
          </button>
          <span aria-live="polite">
            {first.toLocaleString("en")}–{(first + shown.length - 1).toLocaleString("en")} of {items.length.toLocaleString("en")}
          </span>
          <button type="button" onClick={() => setPage(current + 1)} disabled={current >= pages - 1}>
            Next
          </button>
        </nav>
      ) : null}
    </div>
  );
}

/** Saves text as a file from the browser (no round trip: the data is already on the page). */
export function downloadText(fileName: string, text: string, type = "text/csv;charset=utf-8"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
