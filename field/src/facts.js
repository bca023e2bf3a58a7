// What became of each fact this phone recorded, in words an officer understands
// (docs/protocol.md §5: the server's disposition per event).
//
// An event is first only on the phone (_status "created": waiting to be sent); after a push
// the server's answer is kept (accepted/duplicate with a disposition, or rejected with a
// reason); the next pull brings the server's copy of the event, whose disposition may still
// change later (an earlier milestone arriving supersedes the winner), so the pulled
// disposition wins over the push answer.

const DISPOSITION_KEYS = {
  applied: 'fact_applied',
  superseded: 'fact_superseded',
  recorded: 'fact_recorded',
  after_cancel: 'fact_after_cancel',
  after_reassign: 'fact_after_reassign',
  after_close: 'fact_after_close',
  not_assignee: 'fact_not_assignee',
}
// Dispositions that went to the chief's conflict queue: shown as a warning.
const CONFLICTS = new Set(['after_cancel', 'after_reassign', 'after_close', 'not_assignee'])

/**
 * ``{key, params, tone}`` for an event record (raw, with _status) and the push answer kept
 * for it (or undefined). tone: "waiting" | "ok" | "warn" | "bad".
 */
export function factState(event, answer) {
  if (answer?.status === 'rejected') {
    return { key: 'fact_rejected', params: { reason: answer.reason }, tone: 'bad', reason: answer.reason }
  }
  if (event._status === 'created') return { key: 'fact_waiting', params: {}, tone: 'waiting' }
  const disposition = event.disposition || answer?.disposition
  if (!disposition) return { key: 'fact_sent', params: {}, tone: 'waiting' }
  const key = DISPOSITION_KEYS[disposition] ?? 'fact_recorded'
  return { key, params: {}, tone: CONFLICTS.has(disposition) ? 'warn' : 'ok' }
}

export function isConflict(disposition) {
  return CONFLICTS.has(disposition)
}
