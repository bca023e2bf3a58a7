// What the phone must make the officer notice, in a pocket or on the dashboard: a call sent to
// his unit that nobody of the crew has answered yet, a call of his made more urgent by the desk
// (a higher priority, or now domestic violence with its risk flags), a message from the duty
// desk on his call ("he has a knife now"), and a call taken off his unit (cancelled, diverted
// to a more urgent one), and the desk checking on a crew silent on scene past its call's interval
// (the assignment's ``safety_check_at``: "I'm OK" answers it). The list and the call screen showed all of these, silently, to an
// officer who happened to look.
//
// The phone keeps, per assignment, what the officer last saw of it (``seen``: its priority,
// category, whether it was still his): opening the call, or tapping its alert, is seeing it.
// An alert is the difference between that and what the phone now holds. A call the crew has
// answered (acknowledged, or any later milestone: the other phone of the crew, the desk
// recording it) or that ended before this phone ever showed it is taken as seen without an
// alert: there is nothing left to tell about it — but for the desk's messages on an open one
// that this phone's officer has not read (his own ``read`` facts say which he has): the
// officer the phone was handed over to takes over his colleague's call, the knife included.
import { payloadOf } from './facts.js'
import { formatTime } from './format.js'
import { label, placeName, reasonText, t } from './i18n.js'
import { landmarkText } from './places.js'
import { effectiveStatus, isClosed, isWithdrawn } from './lifecycle.js'

const PRIORITY_RANK = { P0: 0, P1: 1, P2: 2, P3: 3 }
export const DV = 'domestic_violence'
// Statuses in which nobody of the crew has answered the call yet.
const UNANSWERED = ['dispatched', 'delivered']

/** The duty desk's messages to the crew on ``assignment`` (docs/protocol.md: a ``note``
 * with source ``desk``), oldest first. */
export function deskMessages(events, assignment) {
  return events
    .filter((e) => e.kind === 'note' && e.source === 'desk' && e.assignment_id === assignment.id)
    .sort((a, b) => (a.server_received_at ?? 0) - (b.server_received_at ?? 0))
}

/** The desk's latest message on ``assignment`` that this phone has not yet said its officer
 * read (``own``: this phone's events), or null: what a ``read`` fact, recorded as the officer
 * opens the call, names (docs/protocol.md §4: it stands for every earlier message too). */
export function unreadMessage(events, own, assignment) {
  const messages = deskMessages(events, assignment)
  if (!messages.length) return null
  return readUpTo(messages, own, assignment) >= messages.length - 1 ? null : messages[messages.length - 1]
}

/** The index in ``messages`` (the desk's on ``assignment``, oldest first) of the latest one
 * this phone's ``own`` read facts name, -1 for none: a receipt stands for every earlier one. */
function readUpTo(messages, own, assignment) {
  const at = new Map(messages.map((m, i) => [m.id, i]))
  return Math.max(
    -1,
    ...own
      .filter((e) => e.kind === 'read' && e.assignment_id === assignment.id)
      .map((e) => at.get(payloadOf(e).event_id) ?? -1),
  )
}

/** When the desk's officer-safety check still open on ``assignment`` fired, or null: none is
 * open (docs/protocol.md §2, ``safety_check_at``), the call is over, or the officer answered it
 * from this phone (``answered``: assignment id → the ``safety_check_at`` he said "I'm OK" to;
 * the server closes the check at its next sweep, and until then the column stays). */
export function openSafetyCheck(assignment, answered = {}) {
  const at = assignment.safety_check_at
  if (at == null || isClosed(assignment) || answered[assignment.id] === at) return null
  return at
}

const lastMessageAt = (messages) => (messages.length ? messages[messages.length - 1].server_received_at ?? 0 : 0)

/** What the officer sees of a call when he looks at it: kept per assignment id. */
export function seenAs(assignment, incident, events = []) {
  return {
    priority: incident?.priority ?? null,
    category: incident?.category ?? null,
    open: !isClosed(assignment),
    messageAt: lastMessageAt(deskMessages(events, assignment)),
  }
}

/** A call the phone holds for the first time, answered or over, as taken for seen without
 * being opened: as it is now, but for the desk's messages beyond those the officer's own
 * ``read`` facts (``own``) name — still to be told. */
function seenUnopened(assignment, incident, events, own) {
  const messages = deskMessages(events, assignment)
  const read = messages[readUpTo(messages, own, assignment)]
  return { ...seenAs(assignment, incident, events), messageAt: read ? read.server_received_at ?? 0 : 0 }
}

function moreUrgent(now, before) {
  return (PRIORITY_RANK[now] ?? 9) < (PRIORITY_RANK[before] ?? 9)
}

/**
 * ``{alerts, silentlySeen}`` for the phone's calls: ``alerts`` most urgent first, one per
 * assignment — ``{assignmentId, kind, priority, from?, dv?}`` with ``kind`` one of ``new``
 * (sent to the unit, not answered, never opened), ``raised`` (more urgent than when last
 * seen: ``from`` is the priority then, ``dv`` whether it became domestic violence),
 * ``message`` (the desk's messages since last seen: ``eventId`` the latest, ``count``), or
 * ``withdrawn`` (taken off the unit since last seen); ``silentlySeen``: the entries to add
 * to ``seen`` with no alert of their own (calls already answered or already over when first
 * held; a message alert for the desk's messages on one that the officer has not read).
 */
export function callAlerts({ assignments, incidents, ownEvents, events = [], seen, answered = {} }) {
  const alerts = []
  const silentlySeen = {}
  for (const assignment of assignments) {
    const incident = incidents[assignment.incident_id]
    // Whether or not the call was opened since: only "I'm OK" (or the desk) answers it.
    const checkAt = openSafetyCheck(assignment, answered)
    if (checkAt != null) {
      alerts.push({ assignmentId: assignment.id, kind: 'safety', priority: incident?.priority ?? null, checkAt })
    }
    let before = seen[assignment.id]
    if (!before) {
      const status = effectiveStatus(assignment, ownEvents)
      if (!isClosed(assignment) && UNANSWERED.includes(status)) {
        alerts.push({ assignmentId: assignment.id, kind: 'new', priority: incident?.priority ?? null })
        continue
      }
      // and on: the desk's messages on it that he has not read alert below
      before = silentlySeen[assignment.id] = seenUnopened(assignment, incident, events, ownEvents)
    }
    if (isWithdrawn(assignment)) {
      if (before.open) alerts.push({ assignmentId: assignment.id, kind: 'withdrawn', priority: incident?.priority ?? null })
      continue
    }
    if (isClosed(assignment) || !incident) continue
    const unread = deskMessages(events, assignment).filter((e) => (e.server_received_at ?? 0) > (before.messageAt ?? 0))
    if (unread.length) {
      alerts.push({ assignmentId: assignment.id, kind: 'message', priority: incident.priority, eventId: unread[unread.length - 1].id, count: unread.length })
    }
    const raised = moreUrgent(incident.priority, before.priority)
    const dv = incident.category === DV && before.category !== DV
    if (raised || dv) {
      alerts.push({ assignmentId: assignment.id, kind: 'raised', priority: incident.priority, from: before.priority, dv })
    }
  }
  alerts.sort(byUrgency)
  return { alerts, silentlySeen }
}

// The desk checking on the crew first; a new or raised call and a message before a withdrawn
// call; then the more urgent first.
const KIND_RANK = { safety: -1, new: 0, raised: 0, message: 0, withdrawn: 1 }

function byUrgency(a, b) {
  return KIND_RANK[a.kind] - KIND_RANK[b.kind] || (PRIORITY_RANK[a.priority] ?? 9) - (PRIORITY_RANK[b.priority] ?? 9)
}

/** Whether ``alerts`` hold one the phone keeps ringing for: a call nobody has answered. */
export function keepsRinging(alerts) {
  return alerts.some((a) => a.kind === 'new')
}

/** An alert in the officer's words: ``{title, body}`` (the banner's two lines, the system
 * notification's title and text). ``data``: the phone's records (assignments, incidents,
 * settlements). */
export function alertWords(lang, alert, data) {
  const assignment = data.assignments.find((a) => a.id === alert.assignmentId)
  const incident = assignment ? data.incidents[assignment.incident_id] : null
  const settlement = incident?.settlement_id ? data.settlements[incident.settlement_id] : null
  // An SOS backup's landmark is its point: said as "3,1 км к северо-востоку от Аягоз (…)",
  // which names the village itself (places.js).
  const landmark = landmarkText(lang, incident, settlement)
  const what = [
    incident ? label(lang, 'category', incident.category) : null,
    landmark !== (incident?.landmark ?? '') ? null : placeName(lang, settlement),
    landmark,
  ]
  const line = (parts) => parts.filter(Boolean).join(' · ')
  const priority = alert.priority ? label(lang, 'priority', alert.priority) : '…'
  if (alert.kind === 'safety') {
    return {
      title: t(lang, 'alert_safety'),
      body: line([t(lang, 'alert_safety_since', { time: formatTime(lang, alert.checkAt) }), what[0]]),
    }
  }
  // A drill says so before anything else, on the phone's notification too: a crew driving
  // to it must know (incidents.exercise, docs/protocol.md §2).
  if (alert.kind === 'new') return { title: line([t(lang, 'alert_new', { priority }), incident?.exercise ? t(lang, 'exercise') : null]), body: line(what) }
  if (alert.kind === 'message') {
    const latest = data.events?.find((e) => e.id === alert.eventId)
    const text = latest ? payloadOf(latest).text ?? '' : ''
    return {
      title: alert.count > 1 ? t(lang, 'alert_messages', { n: alert.count }) : t(lang, 'alert_message'),
      body: line([text, incident ? label(lang, 'category', incident.category) : null]),
    }
  }
  if (alert.kind === 'withdrawn') {
    const reason = assignment?.cancel_reason ? reasonText(lang, assignment.cancel_reason) : null
    return { title: t(lang, 'alert_withdrawn'), body: line([...what.slice(0, 2), reason]) }
  }
  const raised = alert.from !== alert.priority && moreUrgent(alert.priority, alert.from)
  if (!raised) return { title: t(lang, 'alert_dv'), body: line(what) }
  return {
    title: t(lang, 'alert_raised', { priority, from: alert.from ?? '—' }),
    body: alert.dv ? t(lang, 'alert_dv') : line(what),
  }
}
