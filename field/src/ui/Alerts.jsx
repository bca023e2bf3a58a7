import { alertWords } from '../alerts.js'
import { ownEvents } from '../facts.js'
import { formatTime } from '../format.js'
import { t } from '../i18n.js'
import { isClosed } from '../lifecycle.js'

/** The calls the officer must notice (alerts.js), above every screen until each is opened:
 * a new call to answer, a call made more urgent, a call taken off the unit. A tap opens the
 * call and is the officer having seen it; a call taken off the unit also goes by its "OK"
 * (there is nothing on it to answer). The desk checking on the crew is answered in place by
 * its "I'm OK" button. */
export function Alerts({ app, state }) {
  const { lang, alerts, data } = state
  if (!alerts?.length) return null
  return (
    <section class="alerts" role="alert" aria-label={t(lang, 'alert_open')}>
      {alerts.map((alert) => {
        const { title, body } = alertWords(lang, alert, data)
        if (alert.kind === 'safety') {
          // Not a link: the officer answers it here, one tap, without opening the call.
          return (
            <div key={`${alert.assignmentId}-safety`} class="alert alert-safety" data-assignment={alert.assignmentId}>
              <strong class="alert-title">{title}</strong>
              {body && <span class="alert-body">{body}</span>}
              <button
                type="button"
                class="big safety-ok"
                onClick={() => app.answerSafetyCheck(alert.assignmentId, alert.checkAt)}
              >
                {t(lang, 'safety_ok')}
              </button>
            </div>
          )
        }
        if (alert.kind === 'withdrawn') {
          // Nothing to do on it but know it: the call opens from it, or "OK" says he has seen
          // it (it stood over every screen all shift unless he opened the call he was taken
          // off, and with a new call's alert over it pushed the list below the fold).
          return (
            <div
              key={`${alert.assignmentId}-withdrawn`}
              class={`alert alert-withdrawn priority-${alert.priority ?? 'none'}`}
              data-assignment={alert.assignmentId}
            >
              <a class="alert-link" href={`#/a/${alert.assignmentId}`} onClick={() => app.seeCall(alert.assignmentId)}>
                <strong class="alert-title">{title}</strong>
                {body && <span class="alert-body">{body}</span>}
                <span class="alert-open">{t(lang, 'alert_open')} ›</span>
              </a>
              <button type="button" class="alert-ok" onClick={() => app.dismissAlert(alert.assignmentId)}>
                {t(lang, 'alert_ok')}
              </button>
            </div>
          )
        }
        return (
          <a
            key={`${alert.assignmentId}-${alert.kind}`}
            class={`alert alert-${alert.kind} priority-${alert.priority ?? 'none'}`}
            href={`#/a/${alert.assignmentId}`}
            onClick={() => app.seeCall(alert.assignmentId)}
          >
            <strong class="alert-title">{title}</strong>
            {body && <span class="alert-body">{body}</span>}
            <span class="alert-open">{t(lang, 'alert_open')} ›</span>
          </a>
        )
      })}
    </section>
  )
}

/** The officer's answer to the desk's check, until the check closes: his "I'm OK" (or any note
 * of his on the call since the check) waiting on the phone for the signal, or the desk having
 * it. The check's alert went at his tap, signal or not, and nothing told him whether the desk,
 * still looking at its amber banner, had heard from him. ``[{assignmentId, at, sent}]``. */
export function safetyAnswers(state) {
  const { data, deviceId } = state
  const mine = ownEvents(data.events, deviceId)
  const answers = []
  for (const assignment of data.assignments ?? []) {
    const checkAt = assignment.safety_check_at
    if (checkAt == null || isClosed(assignment)) continue
    const note = mine
      .filter((e) => e.kind === 'note' && e.assignment_id === assignment.id)
      .filter((e) => (e.estimated_at ?? e.device_time ?? 0) >= checkAt)
      .pop()
    if (note) answers.push({ assignmentId: assignment.id, at: note.estimated_at ?? note.device_time, sent: note._status !== 'created' })
  }
  return answers
}

/** The desk has his answer (green, with when he gave it), until the check closes. An answer
 * still on the phone is said in the sync box (common.jsx SyncStatus) with the other things the
 * desk does not have yet, not in an amber banner of its own. */
export function SafetyAnswers({ state }) {
  const { lang, now } = state
  const answers = safetyAnswers(state).filter((answer) => answer.sent)
  if (!answers.length) return null
  return (
    <section class="safety-answers" aria-live="polite">
      {answers.map((answer) => (
        <p key={answer.assignmentId} class="banner safety-answer sent" role="status">
          {t(lang, 'safety_answer_sent', { time: formatTime(lang, answer.at, now) })}
        </p>
      ))}
    </section>
  )
}

/** Where the officer's SOS is, once he has pressed it: on the phone still (a white spot: the
 * desk does not have it; red, first in the sync box) or with the desk (a green notice, with
 * when he pressed it). "SOS
 * recorded — going to the duty officers" read the same, in green, with no signal as with it,
 * and an officer in a white spot took it that help was coming. ``{at, sent}`` of his latest
 * SOS, or null. */
export function sosState(state) {
  const { data, deviceId } = state
  const sos = ownEvents(data.events, deviceId)
    .filter((e) => e.kind === 'sos')
    .sort((a, b) => (a.device_time ?? 0) - (b.device_time ?? 0))
    .pop()
  if (!sos) return null
  return { at: sos.estimated_at ?? sos.device_time, sent: sos._status !== 'created' }
}

/** "The desk has your SOS" (green, with when he pressed it), until he taps it away or the desk
 * stands him down. An SOS still on the phone is said at the top of the sync box (common.jsx
 * SyncStatus), red, for as long as it is not sent: this notice, tapped away or not, is not
 * where he learns it. */
export function SosNotice({ app, state }) {
  const { lang, now } = state
  const sos = sosState(state)
  if (!sos?.sent) return null
  return (
    <button type="button" class="banner notice sos-notice sent" role="status" onClick={() => app.dismissNotice()}>
      {t(lang, 'sos_received', { time: formatTime(lang, sos.at, now) })}
    </button>
  )
}
