import { forbidden } from "next/navigation";

export const metadata = { title: "Not allowed" };

/**
 * Where a page refused for the user's role redirects (lib/auth/session.ts): it answers 403, so
 * monitoring, a proxy's logs and scripts see the refusal for what it is (app/forbidden.tsx).
 */
export default function ForbiddenPage() {
  forbidden();
}
