import { alertWords } from '../alerts.js'
import { t } from '../i18n.js'

/** The calls the officer must notice (alerts.js), above every screen until each is opened:
 * a new call to answer, a call made more urgent, a call taken off the unit. A tap opens the
 * call and is the officer having seen it. The desk checking on the crew is answered in place
 * by its "I'm OK" button. */
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
