// Retry with exponential backoff and jitter, as the reference client (sync/client.py:
// Retry): delays base·2^n capped, each scaled by a random factor in [0.5, 1]; a
// Retry-After header is obeyed as is.

export const RETRY = { baseMs: 1000, capMs: 5 * 60 * 1000 }

export function retryDelayMs(attempt, { baseMs = RETRY.baseMs, capMs = RETRY.capMs, random = Math.random } = {}) {
  const raw = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(raw * (0.5 + 0.5 * random()))
}

/** Seconds of a Retry-After header as ms, or null (absent, a date, or nonsense). */
export function retryAfterMs(value) {
  if (value == null || value === '') return null
  const seconds = Number(value)
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : null
}
