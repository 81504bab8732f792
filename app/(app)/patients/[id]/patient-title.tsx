"use client";

import { useEffect } from "react";

/**
 * Names the browser tab after the patient ("Jackson, Jan (MRN000654) · Sarcopenia screening").
 * Set here rather than by `generateMetadata`: Next.js prefetches the metadata of the patient
 * links on the panel, and reading the record for it would audit a "view" of every patient in
 * sight (lib/data/patients/record.ts audits each opening).
 */
export function PatientTitle({ title }: { title: string }) {
  useEffect(() => {
    document.title = `${title} · Sarcopenia screening`;
  }, [title]);
  return null;
}
