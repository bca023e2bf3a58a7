import { useEffect, useRef, useState } from 'preact/hooks'
import { useDraft, useSubmitOnce } from './hooks.js'
import { factState, ownEvents, payloadOf } from '../facts.js'
import { distanceM, formatAge, formatDate, formatDistance, formatPhone, formatTime } from '../format.js'
import { codeValues, label, placeName, reasonText, t } from '../i18n.js'
import { landmarkText } from '../places.js'
import {
  MILESTONES,
  MILESTONE_FIELD,
  compareAssignments,
  effectiveStatus,
  isClosed,
  isWithdrawn,
  nextMilestone,
  reachedMilestones,
} from '../lifecycle.js'

// An article of the CoAO, or an article and its part ("73", "73-1", "461"): the protocol's
// COAO_ARTICLE_RE (sync/protocol.py) without its anchors; a test keeps the two equal.
const COAO_ARTICLE_PATTERN = '[1-9][0-9]{0,2}(-[1-9][0-9]?)?'
// A registry number (КУИ/ЕРДР/ЕРАП): the protocol's REGISTRY_NUMBER_RE without its anchors,
// 1–40 of [0-9A-Za-z./-] starting with a letter or digit. "/" and "-" are escaped because
// browsers compile a pattern attribute with the `v` flag, under which a bare "/" in a class
// is a syntax error: Chrome then ignored the whole pattern, and "ЕРАП-2026-5521" (Cyrillic)
// was queued and refused by the server, the outcome lost.
export const REGISTRY_NUMBER_PATTERN = '[0-9A-Za-z][0-9A-Za-z.\\/\\-]{0,39}'
const REGISTRY_NUMBER_RE = new RegExp(`^(?:${REGISTRY_NUMBER_PATTERN})$`)

/** Whether the server takes ``number`` as a registry number (docs/protocol.md §4). */
export function registryNumberOk(number) {
  return REGISTRY_NUMBER_RE.test(number)
}

// How long a call has been going, while it is open; once it is over for the unit, when and
// how: "closed" only when the incident is closed (the chief's word), else what ended it for
// the unit — cleared, cancelled, given to another unit. A call the unit had only cleared read
// "closed 06:28" while the incident waited for the chief (a closed call's "time since
// dispatch" had kept counting for days).
const ENDED = {
  cleared: ['cleared_line', 'cleared_at'],
  cancelled: ['cancelled_line', 'cancelled_at'],
  superseded: ['superseded_line', 'superseded_at'],
}
export function callAge(lang, assignment, now, incident) {
  if (isClosed(assignment) && incident?.status === 'closed' && incident.closed_at) {
    return t(lang, 'closed_at', { t: formatTime(lang, incident.closed_at, now) })
  }
  const ended = ENDED[assignment.status]
  const at = ended && (assignment[ended[1]] ?? assignment.closed_at)
  if (at) return t(lang, standDown(assignment, incident) ? 'withdrawn_line' : ended[0], { t: formatTime(lang, at, now) })
  // Under a minute, "just now since dispatch" does not parse in any of the three languages.
  if (now - assignment.dispatched_at < 60_000) return t(lang, 'dispatched_just_now')
  return t(lang, 'since_dispatch', { t: formatAge(lang, assignment.dispatched_at, now) })
}

/** Whether a cancelled assignment is a stand-down of the unit, the call itself going on: a
 * diversion to a more urgent call, or the desk taking the unit off (the call goes back to the
 * queue). "The call was cancelled by the duty officer" said so of a call another unit still
 * had to attend — only the call's own cancellation cancels it. */
export function standDown(assignment, incident) {
  return assignment.status === 'cancelled' && incident?.status !== 'cancelled'
}

/** Whether the call was taken off the unit while it went on: a stand-down (above) or the call
 * given to another unit. Not the officer's finished work, nor a call that is over. */
export function takenOff(assignment, incident) {
  return assignment.status === 'superseded' || standDown(assignment, incident)
}

/** Whether callAge names how the call ended for the unit ("завершён 01:32"), the unit's step
 * then said already: the call screen's status line and the list's card say it once. Not when
 * it says the incident's closing instead, which is not the unit's step. */
export function endSaid(assignment, incident) {
  const ended = ENDED[assignment.status]
  const closed = isClosed(assignment) && incident?.status === 'closed' && incident.closed_at
  return Boolean(ended && !closed && (assignment[ended[1]] ?? assignment.closed_at) != null)
}

/** The call screen's status line: the unit's step, when it was dispatched, and how long ago
 * or how it ended — "Жіберілді · жіберілді 12:48 · жаңа ғана жіберілді" said the dispatch
 * twice under a minute; the time alone says it then. A call over for the unit says its end
 * once, with its time: "Завершён · Направлен 01:32 · завершён 01:32" said it twice. */
export function statusLine(lang, assignment, status, now, incident) {
  const parts = [
    ...(endSaid(assignment, incident) ? [] : [label(lang, 'assignment_status', status)]),
    t(lang, 'dispatched_at', { t: formatTime(lang, assignment.dispatched_at, now) }),
  ]
  const justDispatched = !ENDED[assignment.status] && now - assignment.dispatched_at < 60_000
  if (!justDispatched) parts.push(callAge(lang, assignment, now, incident))
  return parts.join(' · ')
}

/** A link that opens the phone's maps app at the scene — 2GIS, Yandex or Google on Android
 * (the system asks which; offline maps work), Apple's on an iPhone — or null without a place. */
export function mapLink(lat, lon, name, userAgent = '') {
  if (lat == null || lon == null) return null
  const at = `${lat},${lon}`
  if (/iPhone|iPad|iPod/.test(userAgent)) {
    return `https://maps.apple.com/?ll=${at}&q=${encodeURIComponent(name || at)}`
  }
  return `geo:${at}?q=${at}${name ? `(${encodeURIComponent(name)})` : ''}`
}

/** "№ 1010-2026-000078", never broken across lines (it broke at its hyphens, and after a
 * bare "№" at a line's end). */
export function CallNumber({ number }) {
  return <span class="call-number">№ {number}</span>
}

export function placeOf(state, incident) {
  const settlement = incident?.settlement_id ? state.data.settlements[incident.settlement_id] : null
  return placeName(state.lang, settlement) ?? ''
}

/** A call's place on the list: its village and landmark ("Ақтоғай · у мечети"); an SOS
 * backup's point as the distance and way from its village, which it names ("3,1 км к
 * северо-востоку от Аягоз (47.98400, 80.46400)": src/places.js). */
export function callPlaceText(state, incident) {
  const settlement = incident?.settlement_id ? state.data.settlements[incident.settlement_id] : null
  const landmark = landmarkText(state.lang, incident, settlement)
  if (landmark && landmark !== incident?.landmark) return landmark
  return [placeOf(state, incident), landmark].filter(Boolean).join(' · ')
}

/** How many of the officer's facts on ``assignment`` are still on the phone (the sync line's
 * count, for one call: his position reports left out). */
export function waitingOn(events, assignment) {
  return events.filter((e) => e._status === 'created' && e.kind !== 'location' && e.assignment_id === assignment.id).length
}

export function CallList({ state }) {
  const { lang, data, now } = state
  const mine = ownEvents(data.events, state.deviceId)
  const rows = data.assignments
    .map((assignment) => ({ assignment, incident: data.incidents[assignment.incident_id] }))
    .sort(compareAssignments)
  const open = rows.filter((r) => !isClosed(r.assignment))
  // A call taken off the unit (diverted, stood down, given to another unit) is no work the
  // officer finished: it sat under "Завершённые" as if he had. It has a section of its own.
  const closed = rows.filter((r) => isClosed(r.assignment) && !takenOff(r.assignment, r.incident))
  const withdrawn = rows.filter((r) => isClosed(r.assignment) && takenOff(r.assignment, r.incident))
  const item = ({ assignment, incident }) => {
    const status = effectiveStatus(assignment, mine)
    const unsent = waitingOn(data.events, assignment)
    return (
      <li key={assignment.id}>
        <a class={`call priority-${incident?.priority ?? 'none'} status-${status}`} href={`#/a/${assignment.id}`}>
          {/* A drill's word keeps whole ("ОҚУ-" over "ЖАТТЫҒУ" at 360 px in Kazakh): its row
              wraps the status under it instead. */}
          <span class={incident?.exercise ? 'call-top exercise' : 'call-top'}>
            <span class="priority">{incident?.priority ?? '…'}</span>
            <span class="category">{incident ? label(lang, 'category', incident.category) : '…'}</span>
            {incident?.exercise && <span class="exercise-badge">{t(lang, 'exercise')}</span>}
            {/* A call over for the unit: its end below says it, with its time ("Завершён" over
                "завершён 02:01" said it twice). */}
            {!endSaid(assignment, incident) && <span class="status">{label(lang, 'assignment_status', status)}</span>}
          </span>
          <span class="call-place">{callPlaceText(state, incident)}</span>
          <span class="call-age">
            {callAge(lang, assignment, now, incident)}
            {incident?.number && (
              <>
                {' · '}
                <CallNumber number={incident.number} />
              </>
            )}
          </span>
          {/* Which call the sync line's "Ждут отправки: 2" is about: back from a white spot
              with three calls worked, nothing on the list said which of them the desk had not
              heard of yet. */}
          {unsent > 0 && <span class="waiting pending call-unsent">{t(lang, 'waiting', { n: unsent })}</span>}
          {/* The risk before the call is opened, as the visits list shows it. */}
          {incident && !isClosed(assignment) && <RiskFlags lang={lang} incident={incident} compact now={now} />}
        </a>
      </li>
    )
  }
  return (
    <main class="screen list">
      <h1>{t(lang, 'my_calls')}</h1>
      {open.length === 0 && <p class="empty">{t(lang, 'no_calls')}</p>}
      <ul class="calls">{open.map(item)}</ul>
      {closed.length > 0 && (
        <>
          <h2>{t(lang, 'closed_calls')}</h2>
          <ul class="calls closed">{closed.map(item)}</ul>
        </>
      )}
      {withdrawn.length > 0 && (
        <>
          <h2>{t(lang, 'taken_off_calls')}</h2>
          <ul class="calls closed taken-off">{withdrawn.map(item)}</ul>
        </>
      )}
    </main>
  )
}

function parseFlags(text) {
  try {
    const value = JSON.parse(text || '[]')
    return Array.isArray(value) ? value : []
  } catch {
    return []
  }
}

/** When the last follow-up visit was: an instant from the server, shown in Almaty time with
 * the date when not today. It was cut to its UTC date ("2026 ж. 5 жел." for this morning's
 * visit, the day before for one at 01:30). A bare date stays a date. */
function visitedText(lang, value, now) {
  const ms = typeof value === 'string' && value.length > 10 ? Date.parse(value) : NaN
  return Number.isNaN(ms) ? formatDate(lang, value) : formatTime(lang, ms, now)
}

/** A risk subject as the officer reads it: its address (or person, or phone) and its village
 * in the officer's language — the caller's phone matches subjects anywhere in the district,
 * and three homes at "ферма" read as one without it. Flags kept before the server sent the
 * village have the label alone. */
function subjectName(lang, flag) {
  const village = placeName(lang, { name: flag.settlement_name, name_kk: flag.settlement_name_kk })
  return [flag.label, village].filter(Boolean).join(', ')
}

/** The call's DV risk flags: its risk subjects. The flag "domestic violence" is not a line of
 * its own — the heading says it on the call, the category in a list row. ``compact``: in a
 * list row, without the heading. */
export function RiskFlags({ lang, incident, compact = false, now = Date.now() }) {
  const flags = parseFlags(incident.risk_flags).filter((f) => f.flag !== 'domestic_violence')
  if (!flags.length) return null
  return (
    <section class={compact ? 'risk compact' : 'risk'} aria-label={t(lang, 'risk_flags')}>
      {!compact && <h2>{t(lang, 'risk_flags')}</h2>}
      <ul>
        {flags.map((flag, i) => (
          <li key={i}>
            {flag.flag === 'risk_subject' && (
              <>
                {subjectName(lang, flag) && <strong>{subjectName(lang, flag)}</strong>}
                {flag.protective_order_until && (
                  <span class={flag.protective_order_active ? 'order active' : 'order'}>
                    {t(lang, flag.protective_order_active ? 'flag_order_active' : 'flag_order_expired', {
                      date: formatDate(lang, flag.protective_order_until),
                    })}
                  </span>
                )}
                {flag.prior_dv_calls != null && <span>{t(lang, 'flag_prior_calls', { n: flag.prior_dv_calls })}</span>}
                {flag.last_follow_up_at && (
                  <span>{t(lang, 'flag_last_visit', { date: visitedText(lang, flag.last_follow_up_at, now) })}</span>
                )}
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}

function Milestones({ app, state, assignment, mine }) {
  const { lang, now } = state
  const reached = reachedMilestones(assignment, mine)
  const next = nextMilestone(assignment, mine)
  const withdrawn = isWithdrawn(assignment)
  // Tapped on this phone, not yet sent, and not on the server from another phone either: the
  // button says so (it looked like a milestone the desk had, green with its tick).
  const unsent = new Set(
    mine
      .filter((e) => e._status === 'created' && e.assignment_id === assignment.id && assignment[MILESTONE_FIELD[e.kind]] == null)
      .map((e) => e.kind),
  )
  return (
    <section class="milestones" aria-label={t(lang, 'milestones')}>
      {MILESTONES.map((kind) => {
        const at = reached[kind]
        const done = at != null
        const pending = done && unsent.has(kind)
        const disabled = withdrawn || done || reached.cleared != null
        return (
          <button
            key={kind}
            type="button"
            class={`milestone milestone-${kind} ${done ? 'done' : ''} ${pending ? 'pending' : ''} ${kind === next ? 'next' : ''}`}
            disabled={disabled}
            onClick={() => app.milestone(assignment.id, kind)}
          >
            <span class="milestone-name">{label(lang, 'milestone', kind)}</span>
            {done && (
              <span class="milestone-time">
                ✓ {formatTime(lang, at, now)}
                {pending && ` · ${t(lang, 'milestone_unsent')}`}
              </span>
            )}
          </button>
        )
      })}
    </section>
  )
}

/** The outcome recorded on the call, in words, or null: the latest outcome on it from any
 * phone (this one's, the partner's), else the call's own (a duty officer's, or one whose
 * fact this phone never held: a new phone, a reinstalled app). A partner's phone showed an
 * empty form, and its officer recorded the outcome a second time. An outcome the server
 * refused is not recorded: the screen said "Outcome recorded" over one it had thrown out. */
export function recordedOutcome(lang, state, assignment) {
  const { data } = state
  const latest = latestOutcome(state, assignment)
  if (latest) return describe(lang, latest)
  const incident = data.incidents[assignment.incident_id]
  if (!incident?.outcome_code) return null
  return [label(lang, 'outcome_code', incident.outcome_code), incident.outcome_text].filter(Boolean).join(' · ')
}

/** The latest outcome on the call from any phone that the server has not refused, or null. */
function latestOutcome(state, assignment) {
  const refused = (e) => state.answers?.[e.id]?.status === 'rejected'
  return state.data.events.filter((e) => onCall(e, assignment) && !refused(e)).sort(byTime).pop() ?? null
}

/** Whether the outcome the call shows is this phone's, still waiting to be sent: "Outcome
 * recorded" in green read as the desk having it, to an officer out of coverage. */
export function outcomeUnsent(state, assignment) {
  return latestOutcome(state, assignment)?._status === 'created'
}

const onCall = (e, assignment) =>
  e.kind === 'outcome' && (e.assignment_id === assignment.id || (e.incident_id && e.incident_id === assignment.incident_id))
const byTime = (a, b) => (a.estimated_at ?? a.device_time ?? 0) - (b.estimated_at ?? b.device_time ?? 0)

/** This phone's outcome on the call that the server refused, when it is the latest outcome
 * the phone knows of (a refused one followed by an accepted one is history, under "my
 * facts"): ``{event, answer}`` or null. */
export function refusedOutcome(state, assignment) {
  const { data, answers = {} } = state
  const held = new Set(data.events.map((e) => e.id))
  // A refused record may have left the phone (a replacement snapshot); its answer stays.
  const gone = Object.entries(answers)
    .filter(([id, a]) => !held.has(id) && a.kind === 'outcome' && a.assignment_id === assignment.id)
    .map(([id, a]) => ({ id, kind: 'outcome', assignment_id: a.assignment_id, device_time: a.device_time, payload: a.payload }))
  const latest = [...data.events, ...gone].filter((e) => onCall(e, assignment)).sort(byTime).pop()
  const answer = latest && answers[latest.id]
  return answer?.status === 'rejected' ? { event: latest, answer } : null
}

function OutcomeForm({ app, state, assignment }) {
  const { lang } = state
  const recorded = recordedOutcome(lang, state, assignment)
  const refused = refusedOutcome(state, assignment)
  const unsent = recorded != null && outcomeUnsent(state, assignment)
  const [code, setCode] = useDraft(app, `outcome:${assignment.id}:code`)
  const [text, setText] = useDraft(app, `outcome:${assignment.id}:text`)
  const [registryKind, setRegistryKind] = useDraft(app, `outcome:${assignment.id}:registry_kind`)
  const [registryNumber, setRegistryNumber] = useDraft(app, `outcome:${assignment.id}:registry_number`)
  const [article, setArticle] = useDraft(app, `outcome:${assignment.id}:article`)
  const [numberChecked, setNumberChecked] = useState(false)
  const numberInput = useRef(null)
  // Checked here, before anything is queued: the server refuses the whole outcome for a bad
  // number, and the officer learns it only back in coverage, maybe hours later.
  const numberBad = Boolean(registryKind) && !registryNumberOk(registryNumber.trim())
  const numberError = numberBad && (numberChecked || registryNumber.trim() !== '')
  useEffect(() => {
    // The browser's own bubble (a submit with the field invalid) says the app's words too.
    numberInput.current?.setCustomValidity(numberBad && registryNumber.trim() ? t(lang, 'registry_number_rule') : '')
  }, [numberBad, registryNumber, lang])
  // The article of the CoAO matters for an administrative protocol: the chief's report
  // counts them by it (73 and 461 are domestic violence).
  const withArticle = code === 'admin_protocol'
  const [saving, submitOnce] = useSubmitOnce()
  const submit = submitOnce(async () => {
    if (!code) return
    if (numberBad) {
      setNumberChecked(true)
      numberInput.current?.focus()
      return
    }
    await app.outcome(assignment.id, {
      code,
      text: text.trim(),
      registryKind,
      registryNumber: registryNumber.trim(),
      coaoArticle: withArticle ? article.trim() : '',
    })
    setCode('')
    setText('')
    setRegistryKind('')
    setRegistryNumber('')
    setArticle('')
    setNumberChecked(false)
  })
  return (
    <form class="outcome" onSubmit={submit}>
      <h2>{t(lang, 'outcome')}</h2>
      {recorded && (
        <p class={unsent ? 'saved pending' : 'saved'}>
          {t(lang, unsent ? 'outcome_unsent' : 'outcome_saved')}: {recorded}
        </p>
      )}
      {refused && (
        <p class="refused" role="alert">
          {t(lang, 'outcome_refused', {
            outcome: describe(lang, refused.event),
            reason: refusalReason(lang, refused.event, refused.answer.reason),
          })}
        </p>
      )}
      <label for="outcome-code">{t(lang, 'outcome_code')}</label>
      <select id="outcome-code" value={code} onChange={(e) => setCode(e.currentTarget.value)} required>
        <option value="">{t(lang, 'choose')}</option>
        {codeValues('outcome_code').map((value) => (
          <option key={value} value={value}>
            {label(lang, 'outcome_code', value)}
          </option>
        ))}
      </select>
      {withArticle && (
        <fieldset class="article">
          <legend>{t(lang, 'outcome_article')}</legend>
          {codeValues('coao_article').map((value) => (
            <button
              key={value}
              type="button"
              class={article === value ? 'chosen' : ''}
              aria-pressed={article === value}
              onClick={() => setArticle(article === value ? '' : value)}
            >
              <strong>{value}</strong> {label(lang, 'coao_article', value)}
            </button>
          ))}
          <label for="outcome-article">{t(lang, 'outcome_article_other')}</label>
          <input
            id="outcome-article"
            value={article}
            maxLength={6}
            inputMode="numeric"
            pattern={COAO_ARTICLE_PATTERN}
            onInput={(e) => setArticle(e.currentTarget.value)}
          />
        </fieldset>
      )}
      <label for="outcome-text">{t(lang, 'outcome_text')}</label>
      <textarea id="outcome-text" rows={3} maxLength={4000} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <div class="registry">
        <div>
          <label for="registry-kind">{t(lang, 'outcome_registry_kind')}</label>
          <select id="registry-kind" value={registryKind} onChange={(e) => setRegistryKind(e.currentTarget.value)}>
            <option value="">{t(lang, 'registry_none')}</option>
            {codeValues('registry_kind').map((value) => (
              <option key={value} value={value}>
                {label(lang, 'registry_kind', value)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="registry-number">{t(lang, 'outcome_registry')}</label>
          <input
            id="registry-number"
            ref={numberInput}
            value={registryNumber}
            maxLength={40}
            pattern={REGISTRY_NUMBER_PATTERN}
            // The keyboard with "/" and "." on its face; no capitals or corrections forced.
            inputMode="url"
            autoCapitalize="none"
            autoCorrect="off"
            spellcheck={false}
            aria-invalid={numberError}
            aria-describedby="registry-number-rule"
            required={Boolean(registryKind)}
            disabled={!registryKind}
            onInput={(e) => setRegistryNumber(e.currentTarget.value)}
          />
        </div>
      </div>
      {registryKind && (
        <p id="registry-number-rule" class={numberError ? 'rule error' : 'rule'} role={numberError ? 'alert' : undefined}>
          {t(lang, 'registry_number_rule')}
        </p>
      )}
      <button class="big primary" type="submit" disabled={saving || !code}>
        {t(lang, 'outcome_save')}
      </button>
    </form>
  )
}

/** The notes on the call, oldest first, just above the box a note is typed in: the partner's
 * phone's, the duty desk's (its messages to the crew, named as such), SMS, and this phone's
 * own — one still waiting for the signal says so. The officer's own notes were only under "my
 * facts", at the foot of a long screen: he tapped "Add note", the box emptied, and nothing he
 * could see said where his words went. */
function OtherNotes({ state, assignment, mine }) {
  const { lang, data, now } = state
  const own = new Set(mine.map((e) => e.id))
  const notes = data.events
    .filter((e) => e.kind === 'note')
    .filter((e) => e.assignment_id === assignment.id || (e.incident_id && e.incident_id === assignment.incident_id))
    .sort((a, b) => (a.estimated_at ?? a.device_time ?? 0) - (b.estimated_at ?? b.device_time ?? 0))
  if (!notes.length) return null
  return (
    <ul class="other-notes">
      {notes.map((note) => {
        const unsent = own.has(note.id) && note._status === 'created'
        const kind = note.source === 'desk' ? 'desk' : own.has(note.id) ? `own${unsent ? ' pending' : ''}` : undefined
        return (
          <li key={note.id} class={kind}>
            <span class="fact-time">{formatTime(lang, note.estimated_at ?? note.device_time, now)}</span>{' '}
            {note.source === 'desk' && <strong class="note-from">{t(lang, 'desk_note')}: </strong>}
            {describe(lang, note)}
            {unsent && <span class="note-state"> · {t(lang, 'milestone_unsent')}</span>}
          </li>
        )
      })}
    </ul>
  )
}

function NoteForm({ app, state, assignment }) {
  const { lang } = state
  const [text, setText] = useDraft(app, `note:${assignment.id}`)
  const [saving, submitOnce] = useSubmitOnce()
  const submit = submitOnce(async () => {
    if (!text.trim()) return
    await app.note(assignment.id, text.trim())
    setText('')
  })
  return (
    <form class="note" onSubmit={submit}>
      <label for="note-text" class="visually-hidden">{t(lang, 'notes')}</label>
      <textarea id="note-text" rows={2} maxLength={4000} placeholder={t(lang, 'note_placeholder')} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <button class="big" type="submit" disabled={saving || !text.trim()}>
        {t(lang, 'note_add')}
      </button>
    </form>
  )
}

function describe(lang, event) {
  const payload = payloadOf(event)
  if (event.kind === 'note' || event.kind === 'follow_up_visit') return payload.text ?? ''
  if (event.kind === 'outcome') {
    const parts = [label(lang, 'outcome_code', payload.code)]
    if (payload.coao_article) parts.push(t(lang, 'outcome_article_short', { article: payload.coao_article }))
    if (payload.registry_number) parts.push(`${label(lang, 'registry_kind', payload.registry_kind)} ${payload.registry_number}`)
    if (payload.text) parts.push(payload.text)
    return parts.join(' · ')
  }
  if (event.kind === 'unit_status') return label(lang, 'unit_status', payload.status)
  return ''
}

/** Whether "my facts" has something to say of the officer's own note ``event`` that the notes
 * above the box do not: the server refused it, or the phone's clock was off when he wrote it.
 * A note kept, or waiting for the signal, is said there already (it showed twice). */
function noteNeedsFact(event, answer) {
  return factState(event, answer).tone === 'bad' || Boolean(event.clock_suspect)
}

/** This phone's facts on the call, each with what the server decided about it; its notes only
 * where that adds to the notes list (noteNeedsFact). */
function Timeline({ state, assignment, mine }) {
  const { lang, answers, now } = state
  const rejected = Object.entries(answers)
    .filter(([id, a]) => a.status === 'rejected' && a.assignment_id === assignment.id && !mine.some((e) => e.id === id))
    .map(([id, a]) => ({ id, kind: a.kind, device_time: a.device_time, payload: a.payload ?? '{}', _status: 'synced' }))
  const shown = (e) => e.assignment_id === assignment.id && (e.kind !== 'note' || noteNeedsFact(e, answers[e.id]))
  const facts = [...mine.filter(shown), ...rejected].sort(
    (a, b) => (a.device_time ?? 0) - (b.device_time ?? 0),
  )
  if (!facts.length) return null
  return (
    <section class="timeline">
      <h2>{t(lang, 'timeline')}</h2>
      <ol>
        {facts.map((event) => (
          <FactItem key={event.id} lang={lang} event={event} answer={answers[event.id]} now={now} />
        ))}
      </ol>
    </section>
  )
}

/** Why the server refused ``event``, in words: its reason code's, or, for an outcome with a
 * registry number the protocol does not allow (`invalid_payload`), that. */
export function refusalReason(lang, event, reason) {
  if (reason === 'invalid_payload' && event.kind === 'outcome') {
    const number = payloadOf(event).registry_number
    if (typeof number === 'string' && number && !registryNumberOk(number)) return t(lang, 'reason_registry_number')
  }
  return label(lang, 'reject_reason', reason)
}

/** What the server decided about a fact (facts.js: factState), in words. */
export function verdictText(lang, verdict, event = {}) {
  const reason = verdict.reason ? refusalReason(lang, event, verdict.reason) : undefined
  return t(lang, verdict.key, { ...verdict.params, reason })
}

/** One fact this phone recorded, and what the server decided about it, in words. */
export function FactItem({ lang, event, answer, now }) {
  const verdict = factState(event, answer)
  return (
    <li class={`fact tone-${verdict.tone}`} data-kind={event.kind}>
      <span class="fact-head">
        <span class="fact-kind">{label(lang, 'event_kind', event.kind)}</span>
        <span class="fact-time">{formatTime(lang, event.estimated_at ?? event.device_time, now)}</span>
      </span>
      {describe(lang, event) && <span class="fact-text">{describe(lang, event)}</span>}
      <span class="fact-state">{verdictText(lang, verdict, event)}</span>
      {event.clock_suspect && <span class="fact-state warn">{t(lang, 'fact_clock_suspect')}</span>}
    </li>
  )
}

// A call that came in this long before its dispatch says when (a report from last night read
// only "dispatched 12:58", like one going on now).
const RECEIVED_LONG_BEFORE_MS = 10 * 60_000

export function CallDetail({ app, state, id }) {
  const { lang, data, now } = state
  const assignment = data.assignments.find((a) => a.id === id)
  useEffect(() => app.locateOnce(), [id])
  // Opening the call is seeing it: its alert (new, made more urgent, taken off) goes.
  useEffect(() => {
    if (assignment) app.seeCall?.(id)
  }, [id, Boolean(assignment)])
  if (!assignment) {
    return (
      <main class="screen detail">
        <a class="back" href="#/">{t(lang, 'back')}</a>
        <p class="empty">{t(lang, 'no_calls')}</p>
      </main>
    )
  }
  const incident = data.incidents[assignment.incident_id]
  const mine = ownEvents(data.events, state.deviceId)
  const status = effectiveStatus(assignment, mine)
  const cleared = reachedMilestones(assignment, mine).cleared != null
  return (
    <main class="screen detail">
      <a class="back" href="#/">{t(lang, 'back')}</a>
      {assignment.status === 'cancelled' && (
        <div class="banner bad cancelled" role="alert">
          <p>
            {t(lang, standDown(assignment, incident) ? 'withdrawn_banner' : 'cancelled_banner', {
              t: formatTime(lang, assignment.cancelled_at, now),
            })}
          </p>
          {assignment.cancel_reason && <p>{t(lang, 'cancel_reason', { reason: reasonText(lang, assignment.cancel_reason) })}</p>}
        </div>
      )}
      {assignment.status === 'superseded' && (
        <p class="banner bad" role="alert">
          {t(lang, 'superseded_banner', { t: formatTime(lang, assignment.superseded_at, now) })}
        </p>
      )}
      {incident?.exercise && <ExerciseBanner lang={lang} />}
      <header class={`detail-head priority-${incident?.priority ?? 'none'}`}>
        <span class="priority">{incident ? label(lang, 'priority', incident.priority) : ''}</span>
        <h1>{incident ? label(lang, 'category', incident.category) : '…'}</h1>
        <p class="status-line">{statusLine(lang, assignment, status, now, incident)}</p>
        {incident?.number && (
          <p class="number">
            <CallNumber number={incident.number} />
          </p>
        )}
        {incident?.received_at != null && assignment.dispatched_at - incident.received_at >= RECEIVED_LONG_BEFORE_MS && (
          <p class="status-line received">{t(lang, 'visit_call', { t: formatTime(lang, incident.received_at, now) })}</p>
        )}
      </header>
      {incident && <IncidentFacts state={state} incident={incident} />}
      {incident && <RiskFlags lang={lang} incident={incident} now={now} />}
      <Milestones app={app} state={state} assignment={assignment} mine={mine} />
      {cleared && <OutcomeForm app={app} state={state} assignment={assignment} />}
      <h2>{t(lang, 'notes')}</h2>
      <OtherNotes state={state} assignment={assignment} mine={mine} />
      <NoteForm app={app} state={state} assignment={assignment} />
      <Timeline state={state} assignment={assignment} mine={mine} />
    </main>
  )
}

/** A training call (incidents.exercise: a drill, the live demo's) above everything on the
 * call: worked like any call, and no crew may take it for a real emergency — nor, seeing the
 * banner on no other call, a real emergency for a drill. */
export function ExerciseBanner({ lang }) {
  return (
    <div class="banner exercise" role="note">
      <p class="exercise-title">{t(lang, 'exercise_banner')}</p>
      <p>{t(lang, 'exercise_banner_hint')}</p>
    </div>
  )
}

const sameWords = (a, b) => {
  const norm = (text) => text.replace(/\s+/g, ' ').replace(/[.!…]+$/, '').trim().toLowerCase()
  return norm(a) === norm(b)
}

/** The summary with the description where it adds something: "summary — description". A
 * call entered at the desk carries its summary as the description too (or as its first
 * line), and the phone printed it twice. */
export function summaryText({ summary, description }) {
  const head = (summary ?? '').trim()
  let more = (description ?? '').trim()
  const [first, ...rest] = more.split('\n')
  if (head && sameWords(first, head)) more = rest.join('\n').trim()
  return [head, more].filter(Boolean).join(' — ')
}

/** The caller's number as a button across the screen, the number never broken: beside the
 * "Caller" label it had half the width, and at 360 px in Kazakh read "+7 705 111 22" over
 * "33". */
function CallButton({ lang, phone }) {
  const [before, after] = t(lang, 'call_caller', { phone: '\u0000' }).split('\u0000')
  return (
    <a class="call-button" href={`tel:${phone.replace(/[^+\d]/g, '')}`}>
      {before}
      <span class="phone">{formatPhone(phone)}</span>
      {after}
    </a>
  )
}

/** Where the call is and who called: the village with *Open in maps*, the landmark, the
 * distance from the phone's last fix, the summary, the caller with a call button. */
export function IncidentFacts({ state, incident }) {
  const { lang, data, position } = state
  const settlement = incident.settlement_id ? data.settlements[incident.settlement_id] : null
  const lat = incident.lat ?? settlement?.lat
  const lon = incident.lon ?? settlement?.lon
  const fix = position.fix
  const distance = fix && lat != null && lon != null ? distanceM(fix.lat, fix.lon, lat, lon) : null
  const name = placeName(lang, settlement)
  const map = mapLink(lat, lon, incident.landmark || name, navigator.userAgent)
  const summary = summaryText(incident)
  return (
    <dl class="facts">
      <dt>{t(lang, 'place')}</dt>
      <dd>
        {name ?? '—'}
        {map && (
          <a class="map-button" href={map}>
            {t(lang, 'open_map')}
          </a>
        )}
      </dd>
      {incident.landmark && (
        <>
          <dt>{t(lang, 'landmark')}</dt>
          <dd class="landmark">{landmarkText(lang, incident, settlement)}</dd>
        </>
      )}
      <dt>{t(lang, 'distance')}</dt>
      <dd>{distance != null ? formatDistance(lang, distance) : t(lang, 'distance_unknown')}</dd>
      {summary && (
        <>
          <dt>{t(lang, 'summary')}</dt>
          <dd class="summary">{summary}</dd>
        </>
      )}
      {(incident.caller_name || incident.caller_phone) && (
        <>
          <dt>{t(lang, 'caller')}</dt>
          <dd>{incident.caller_name || '—'}</dd>
          {incident.caller_phone && (
            <dd class="wide">
              <CallButton lang={lang} phone={incident.caller_phone} />
            </dd>
          )}
        </>
      )}
    </dl>
  )
}
