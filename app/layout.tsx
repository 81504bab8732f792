import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import "./globals.css";
import { BrowserSetup } from "./browser-setup";

export const metadata: Metadata = {
  title: { default: "Sarcopenia screening", template: "%s · Sarcopenia screening" },
  description: "Sarcopenia and vitamin B12 screening for clinicians",
};

/**
 * Every page renders per request: its scripts carry the nonce of that response's
 * Content-Security-Policy (proxy.ts), which a page prerendered at build time could not know.
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection();
  return (
    <html lang="en">
      <body>
        <BrowserSetup />
        {children}
      </body>
    </html>
  );
}
