/**
 * Reading a plain object by a key that came from input (a CSV cell, a FHIR field, a URL
 * parameter) without reaching its prototype: `{ female: "female" }["constructor"]` is
 * Object.prototype.constructor, and `["__proto__"]` is Object.prototype itself. Every lookup of
 * an input-supplied key in a record goes through here, a `Map`, or a zod enum.
 */

/** `record[key]` when `key` is the record's own property, else undefined. */
export function ownValue<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Whether `key` is one of the record's own keys (so it may be used as the record's key type). */
export function isOwnKey<K extends string>(record: Readonly<Record<K, unknown>>, key: string): key is K {
  return Object.hasOwn(record, key);
}

/**
 * Adds one to the count under `key`. Defines the property rather than assigning it, so a key
 * named `__proto__` is counted like any other instead of replacing the object's prototype.
 */
export function countUnder(counts: Record<string, number>, key: string): void {
  Object.defineProperty(counts, key, { value: (ownValue(counts, key) ?? 0) + 1, enumerable: true, configurable: true, writable: true });
}
