// The assignment lifecycle as the app needs it: which milestones exist, in which order,
// how far a call has come (the server's status, pushed further by this phone's own
// milestones not yet confirmed), and how calls are ordered on the list.

export const MILESTONES = ['ack', 'en_route', 'on_scene', 'transporting', 'cleared']
// Milestone event kind → the assignment status it reaches and the time column it sets.
export const MILESTONE_STATUS = {
  delivered: 'delivered',
  ack: 'acknowledged',
  en_route: 'en_route',
  on_scene: 'on_scene',
  transporting: 'transporting',
  cleared: 'cleared',
}
export const MILESTONE_FIELD = {
  delivered: 'delivered_at',
  ack: 'acknowledged_at',
  en_route: 'en_route_at',
  on_scene: 'on_scene_at',
  transporting: 'transporting_at',
  cleared: 'cleared_at',
}
const STATUS_ORDER = ['dispatched', 'delivered', 'acknowledged', 'en_route', 'on_scene', 'transporting', 'cleared']
export const CLOSED_STATUSES = ['cleared', 'cancelled', 'superseded']
const PRIORITY_ORDER = { P0: 0, P1: 1, P2: 2, P3: 3 }

export function isClosed(assignment) {
  return CLOSED_STATUSES.includes(assignment.status)
}

/** Whether the server ended the call for this unit (the officer can no longer work it). */
export function isWithdrawn(assignment) {
  return assignment.status === 'cancelled' || assignment.status === 'superseded'
}

/**
 * Milestone kind → time (ms) for every milestone reached: the server's projected times,
 * and, for milestones the server has not shown yet, this phone's own events (device time).
 */
export function reachedMilestones(assignment, ownEvents) {
  const reached = {}
  for (const kind of MILESTONES) {
    const at = assignment[MILESTONE_FIELD[kind]]
    if (at != null) reached[kind] = at
  }
  for (const event of ownEvents) {
    if (event.assignment_id !== assignment.id || !MILESTONES.includes(event.kind)) continue
    if (reached[event.kind] == null || event.device_time < reached[event.kind]) {
      if (assignment[MILESTONE_FIELD[event.kind]] == null) reached[event.kind] = event.device_time
    }
  }
  return reached
}

/** The status shown: the furthest of the server's status and the phone's own milestones. */
export function effectiveStatus(assignment, ownEvents) {
  if (isWithdrawn(assignment)) return assignment.status
  let best = STATUS_ORDER.indexOf(assignment.status)
  for (const kind of Object.keys(reachedMilestones(assignment, ownEvents))) {
    best = Math.max(best, STATUS_ORDER.indexOf(MILESTONE_STATUS[kind]))
  }
  return best < 0 ? assignment.status : STATUS_ORDER[best]
}

/** The milestone the big button offers next (null once cleared or withdrawn). */
export function nextMilestone(assignment, ownEvents) {
  if (isWithdrawn(assignment)) return null
  const reached = reachedMilestones(assignment, ownEvents)
  if (reached.cleared != null) return null
  const furthest = Math.max(-1, ...Object.keys(reached).map((k) => MILESTONES.indexOf(k)))
  const next = MILESTONES[furthest + 1]
  // Transporting is optional: the usual next step after on scene is cleared.
  return next === 'transporting' ? 'cleared' : next
}

/** Open calls first, by priority, then the longest waiting; closed ones after, newest first. */
export function compareAssignments(a, b) {
  const closedA = isClosed(a.assignment) ? 1 : 0
  const closedB = isClosed(b.assignment) ? 1 : 0
  if (closedA !== closedB) return closedA - closedB
  if (closedA) return (b.assignment.closed_at ?? 0) - (a.assignment.closed_at ?? 0)
  const pa = PRIORITY_ORDER[a.incident?.priority] ?? 9
  const pb = PRIORITY_ORDER[b.incident?.priority] ?? 9
  if (pa !== pb) return pa - pb
  return a.assignment.dispatched_at - b.assignment.dispatched_at
}

// The unit status a milestone sets on the server (backend/dispatch/lifecycle.py MILESTONES);
// acknowledge and cleared set none of their own (cleared frees the unit only when it has no
// other call, which the phone cannot know).
const MILESTONE_UNIT_STATUS = { en_route: 'en_route', on_scene: 'on_scene', transporting: 'transporting' }
// An SOS puts the unit in `sos` (sync/rules.py fact_unit_status).
const STATUS_OF_KIND = { ...MILESTONE_UNIT_STATUS, sos: 'sos' }

function statusStated(event) {
  if (event.kind !== 'unit_status') return STATUS_OF_KIND[event.kind] ?? null
  try {
    return JSON.parse(event.payload || '{}').status ?? null
  } catch {
    return null
  }
}

/**
 * The unit's status as the officer should see it: the one they set last on this phone while
 * it still waits to be sent (offline, the server's copy stays behind and the screen said
 * "available" after a tap on "busy"), or the one a milestone waiting to be sent sets ("on
 * scene" tapped offline left the header on "en route"), or SOS after an SOS waiting to be
 * sent, else the server's. A milestone never hides an SOS (the server's or one waiting);
 * only a status the officer sets leaves it. A unit "dispatched" whose open calls are all
 * acknowledged shows `acknowledged` (below). ``{status, at, pending}`` or null.
 */
export function shownUnitStatus(unitRow, ownEvents, assignments = []) {
  const sos = unitRow?.status === 'sos' || ownEvents.some((e) => e._status === 'created' && e.kind === 'sos')
  const waiting = ownEvents
    .filter((e) => e._status === 'created' && (e.kind === 'unit_status' || e.kind === 'sos' || (!sos && e.kind in MILESTONE_UNIT_STATUS)))
    .filter((e) => statusStated(e))
    .sort((a, b) => (a.device_time ?? 0) - (b.device_time ?? 0))
    .pop()
  if (waiting) return { status: statusStated(waiting), at: waiting.device_time, pending: true }
  if (!unitRow) return null
  const shown = { status: unitRow.status, at: unitRow.status_at, pending: false }
  return unitRow.status === 'dispatched' ? acknowledgedCalls(shown, unitRow, assignments, ownEvents) : shown
}

/**
 * A unit "dispatched" whose every open call the crew has acknowledged: "call acknowledged"
 * (phone-only, `acknowledged`), at the latest acknowledgement, pending while one is still on
 * the phone. The server keeps the unit "dispatched" until en route (backend/dispatch/
 * lifecycle.py), and the header read "Направлен" over a call card reading "Принят": an
 * officer took it that his acknowledgement had not reached the desk (the phone handed over to
 * the next officer showed it on every call). With a call still to acknowledge, "dispatched"
 * is what he needs to read, and it stays.
 */
function acknowledgedCalls(shown, unitRow, assignments, ownEvents) {
  const open = assignments.filter((a) => String(a.unit_id) === String(unitRow.id) && !isClosed(a))
  if (!open.length) return shown
  let at = null
  let pending = false
  for (const assignment of open) {
    const ack = reachedMilestones(assignment, ownEvents).ack
    if (ack == null) return shown
    at = Math.max(at ?? ack, ack)
    pending ||= assignment.acknowledged_at == null
  }
  return { status: 'acknowledged', at, pending }
}
