// Vitest runs data-layer code outside Next.js; the real "server-only" throws there by design.
export {};
