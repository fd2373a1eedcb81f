// Idempotency keys for writes (docs/idempotency.md): one per dialog, so a double click or a retry of the same
// Buy More buys once. crypto.getRandomValues, not randomUUID: it works on plain-http origins too (not only secure ones).
export function newIdempotencyKey(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${prefix}:${hex}`;
}
