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
// A follow-up visit's dispositions mean something else than a call's (docs/protocol.md §4):
// `recorded` is a visit somebody else had recorded first (the desk, another phone) — kept as
// a fact, the follow-up unchanged; `not_assignee` a visit outside the officer's district.
const VISIT_KEYS = {
  applied: 'visit_applied',
  recorded: 'visit_recorded_before',
  not_assignee: 'visit_not_assignee',
}
const VISIT_WARNINGS = new Set(['recorded', 'not_assignee'])

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
  if ((event.kind ?? answer?.kind) === 'follow_up_visit') {
    const key = VISIT_KEYS[disposition] ?? 'fact_recorded'
    return { key, params: {}, tone: VISIT_WARNINGS.has(disposition) ? 'warn' : 'ok' }
  }
  const key = DISPOSITION_KEYS[disposition] ?? 'fact_recorded'
  return { key, params: {}, tone: CONFLICTS.has(disposition) ? 'warn' : 'ok' }
}

/** The events this phone recorded: those still waiting, those sent whose server copy has
 * not come back yet (no device id, no source: only this phone writes such a record), and the
 * server's copies (the device id says whose). */
export function ownEvents(events, deviceId) {
  return events.filter(
    (e) => e._status === 'created' || (!e.device_id && !e.source) || (deviceId && e.device_id === deviceId),
  )
}

/** An event's payload as an object ({} when it is not one). */
export function payloadOf(event) {
  try {
    const value = JSON.parse(event?.payload || '{}')
    return value && typeof value === 'object' && !Array.isArray(value) ? value : {}
  } catch {
    return {}
  }
}

export function isConflict(disposition) {
  return CONFLICTS.has(disposition)
}
