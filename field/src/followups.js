// DV follow-up visits as the district inspector needs them (docs/protocol.md §2 follow_ups,
// §4 follow_up_visit): which are owed, which are overdue, which were made, and the visit this
// phone recorded, shown at once — before the server has it — as made and waiting to be sent.
import { factState, ownEvents, payloadOf } from './facts.js'

export const VISIT_KIND = 'follow_up_visit'

/**
 * This phone's visit on ``followUp``: the event (a record, or a refused one rebuilt from its
 * kept push answer once its record left the phone), or null. At most one: the screen offers
 * no second visit once there is one.
 */
export function ownVisit(followUp, { events, answers = {}, deviceId }) {
  const mine = ownEvents(events, deviceId).find(
    (e) => e.kind === VISIT_KIND && String(payloadOf(e).follow_up_id) === followUp.id,
  )
  if (mine) return mine
  const refused = Object.entries(answers).find(
    ([, a]) => a.status === 'rejected' && a.kind === VISIT_KIND && String(payloadOf(a).follow_up_id) === followUp.id,
  )
  if (!refused) return null
  const [id, answer] = refused
  return { id, kind: VISIT_KIND, device_time: answer.device_time, payload: answer.payload, _status: 'synced' }
}

/**
 * A follow-up as the officer should see it: ``{followUp, incident, visit, verdict, made, at,
 * note, pending, overdue}``. Made: the server says so (done_at: its time and note, whoever
 * made it), or this phone recorded a visit the server did not refuse (the phone's time and
 * text). ``verdict``: what became of this phone's visit (facts.js: factState), ``pending``
 * while it waits for the server. Overdue: owed past its due time.
 */
export function shownFollowUp(followUp, state) {
  const { data, now, answers = {} } = state
  const visit = ownVisit(followUp, { events: data.events, answers, deviceId: state.deviceId })
  const verdict = visit ? factState(visit, answers[visit.id]) : null
  const base = {
    followUp,
    incident: data.incidents[followUp.incident_id] ?? null,
    visit,
    verdict,
    pending: verdict?.tone === 'waiting',
    overdue: false,
  }
  if (followUp.done_at != null) return { ...base, made: true, at: followUp.done_at, note: followUp.note }
  if (visit && verdict.tone !== 'bad') {
    return { ...base, made: true, at: visit.estimated_at ?? visit.device_time, note: payloadOf(visit).text ?? '' }
  }
  return { ...base, made: false, at: null, note: '', overdue: followUp.due_at < now }
}

/** Owed visits first, the earliest due first; made ones after, the latest first. */
export function compareFollowUps(a, b) {
  if (a.made !== b.made) return a.made ? 1 : -1
  if (a.made) return (b.at ?? 0) - (a.at ?? 0)
  return a.followUp.due_at - b.followUp.due_at
}

export function followUpRows(state) {
  return (state.data.followUps ?? []).map((f) => shownFollowUp(f, state)).sort(compareFollowUps)
}

/** What the Visits tab's badge counts: ``{owed, overdue}``. */
export function owedCounts(rows) {
  const owed = rows.filter((r) => !r.made)
  return { owed: owed.length, overdue: owed.filter((r) => r.overdue).length }
}
