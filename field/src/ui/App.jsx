import { useEffect, useState } from 'preact/hooks'
import { Alerts, SafetyAnswers, SosNotice } from './Alerts.jsx'
import { formatNumber, formatTime } from '../format.js'
import { label, t } from '../i18n.js'
import { CallDetail, CallList } from './Calls.jsx'
import { PROTOCOL_SCHEMA_VERSION } from '../api.js'
import { APP_VERSION } from '../controller.js'
import { ownEvents } from '../facts.js'
import { shownUnitStatus } from '../lifecycle.js'
import { LanguagePicker, Sos, SyncStatus } from './common.jsx'
import { EnrolScreen, RevokedScreen } from './Enrol.jsx'
import { useRoute, useStore, useSubmitOnce } from './hooks.js'
import { Tabs, VisitDetail, VisitList } from './Visits.jsx'

const SETTABLE_STATUSES = ['available', 'busy', 'out_of_service']

export function UnitScreen({ app, state }) {
  const { lang, unit, officer, data, onDuty, position, now } = state
  const shown = shownUnitStatus(unit ? data.units[unit.id] : null, ownEvents(data.events, state.deviceId), data.assignments)
  const fix = position.fix
  // One status change per tap: a double tap on a slow phone put the change twice in the
  // outbox, and twice on the desk's timeline and in the chief's figures. The buttons are off
  // while it is written; the controller takes the same status again only after DOUBLE_TAP_MS.
  const [saving, tapOnce] = useSubmitOnce()
  return (
    <main class="screen unit">
      <a class="back" href="#/">{t(lang, 'back')}</a>
      <h1>
        {t(lang, 'unit')} {unit?.callsign ?? ''}
      </h1>
      {officer && (
        <p class="officer">
          {t(lang, 'officer')}: {[officer.last_name, officer.first_name].filter(Boolean).join(' ') || officer.username}
        </p>
      )}
      <p class="unit-status">
        {t(lang, 'unit_status')}: <strong>{shown ? label(lang, 'unit_status', shown.status) : '—'}</strong>
        {shown?.at ? ` · ${formatTime(lang, shown.at, now)}` : ''}
        {shown?.pending && <span class="pending"> · {t(lang, 'fact_waiting')}</span>}
      </p>
      <h2>{t(lang, 'set_status')}</h2>
      <div class="status-buttons">
        {SETTABLE_STATUSES.map((status) => (
          <button
            key={status}
            type="button"
            class="big"
            aria-pressed={shown?.status === status ? 'true' : 'false'}
            disabled={saving}
            onClick={tapOnce(() => app.unitStatus(status))}
          >
            {label(lang, 'unit_status', status)}
          </button>
        ))}
      </div>
      <label class="toggle">
        <input type="checkbox" checked={onDuty} onChange={(e) => app.setOnDuty(e.currentTarget.checked)} />
        <span>{t(lang, 'on_duty')}</span>
      </label>
      <p class="position">
        {!onDuty
          ? t(lang, 'position_off')
          : position.denied
            ? t(lang, 'position_denied')
            : fix
              ? t(lang, 'position_on', { m: formatNumber(lang, Math.round(fix.accuracy ?? 0)) })
              : t(lang, 'position_waiting')}
      </p>
      <Notifications app={app} state={state} />
      <h2>{t(lang, 'language')}</h2>
      <LanguagePicker app={app} lang={lang} />
      <Handover app={app} lang={lang} unsent={state.handoverUnsent} drafts={state.handoverDrafts} />
      <About state={state} />
    </main>
  )
}

/** "Hand this phone over", where an officer ending his shift looks (his unit screen): the
 * outbox is sent first; facts that could not go are counted, and the phone is handed over
 * only when he says so (they are kept and sent after, under the next officer's enrolment). */
export function Handover({ app, lang, unsent = 0, drafts = [] }) {
  const [busy, setBusy] = useState(false)
  async function start() {
    setBusy(true)
    try {
      await app.prepareHandover()
    } finally {
      setBusy(false)
    }
  }
  return (
    <div class="handover">
      <h2>{t(lang, 'handover')}</h2>
      <p class="hint">{t(lang, 'handover_hint')}</p>
      {unsent > 0 && (
        <p class="banner warn" role="alert">
          {t(lang, 'handover_unsent', { n: formatNumber(lang, unsent) })}
        </p>
      )}
      {drafts.length > 0 && (
        <p class="banner warn handover-drafts" role="alert">
          {t(lang, 'handover_drafts', { calls: drafts.join(', ') })}
        </p>
      )}
      <button type="button" class="big" disabled={busy} onClick={start}>
        {busy ? t(lang, 'handover_sending') : t(lang, unsent > 0 || drafts.length > 0 ? 'handover_retry' : 'handover_start')}
      </button>
      {(unsent > 0 || drafts.length > 0) && (
        <button type="button" class="big" disabled={busy} onClick={() => app.handOver()}>
          {t(lang, unsent > 0 ? 'handover_keep' : 'handover_anyway')}
        </button>
      )}
    </div>
  )
}

/** The technical corner at the foot of the unit screen, folded: the app's version and what the
 * server said it did not read of this phone's facts and requests (sync.js: KEYS.ignored) — for the mobile
 * team and support, who ask the officer to open it. A key the server did not read is the app's
 * bug or a server older than it, nothing the officer can act on: it is said here only, never
 * as an alert or on his calls. */
export function About({ state }) {
  const { lang, now } = state
  const ignored = Object.entries(state.ignored ?? {}).sort(
    ([, a], [, b]) => (b.at ?? b.noted ?? 0) - (a.at ?? a.noted ?? 0),
  )
  return (
    <details class="about">
      <summary>{t(lang, 'about')}</summary>
      <p class="version">{t(lang, 'about_version', { v: APP_VERSION, schema: PROTOCOL_SCHEMA_VERSION })}</p>
      {ignored.length > 0 && (
        <>
          <p class="ignored-title">{t(lang, 'ignored_title')}</p>
          <ul class="ignored">
            {ignored.map(([id, entry]) => {
              const at = entry.at ?? entry.noted
              const time = at ? formatTime(lang, at, now) : '—'
              const keys = entry.keys.join(', ')
              if (entry.request) {
                // a key of a request itself (its query or body), not of a fact
                const words = { keys, request: label(lang, 'request', entry.request), code: entry.request, t: time }
                return (
                  <li key={id} data-request={entry.request}>
                    {t(lang, 'ignored_request_line', words)}
                  </li>
                )
              }
              const code = entry.kind ?? '?'
              const words = { keys, kind: label(lang, 'event_kind', code), code, t: time }
              return (
                <li key={id} data-event={id}>
                  {t(lang, 'ignored_line', words)}
                </li>
              )
            })}
          </ul>
        </>
      )}
    </details>
  )
}

/** Whether a new call reaches the officer while the app is in the background: the phone's
 * notification permission, asked for only when he taps (browsers refuse an unasked prompt). */
function Notifications({ app, state }) {
  const { lang, notifications } = state
  return (
    <div class="notifications">
      <h2>{t(lang, 'notifications')}</h2>
      {notifications === 'default' ? (
        <button type="button" class="big" onClick={() => app.allowNotifications()}>
          {t(lang, 'notifications_allow')}
        </button>
      ) : (
        <p>{t(lang, `notifications_${notifications ?? 'unsupported'}`)}</p>
      )}
      {notifications === 'granted' && state.push && <p class="push-state">{t(lang, `push_${state.push}`)}</p>}
    </div>
  )
}

export function Header({ app, state }) {
  const { lang, unit, data, sync, online } = state
  const shown = shownUnitStatus(unit ? data.units[unit.id] : null, ownEvents(data.events, state.deviceId), data.assignments)
  // The banner saying so scrolls away with the page; the header stays on screen.
  const offline = !online || sync?.problem === 'offline'
  return (
    <header class="top">
      <a class="unit-chip" href="#/unit">
        <span class="callsign">{unit?.callsign ?? 'Kuzet'}</span>
        {shown && (
          <span class={`unit-state unit-${shown.status}${shown.pending ? ' pending' : ''}`}>
            {label(lang, 'unit_status', shown.status)}
          </span>
        )}
      </a>
      {offline && <span class="net-off">{t(lang, 'no_signal')}</span>}
      <span class={sync?.socketOpen ? 'live on' : 'live'} title={t(lang, 'live')} aria-label={t(lang, 'live')} />
      <Sos app={app} lang={lang} />
    </header>
  )
}

export function App({ app }) {
  const state = useStore(app.store)
  const route = useRoute(window)
  const { lang, phase, notice } = state
  useEffect(() => {
    document.documentElement.lang = lang
  }, [lang])
  if (phase === 'loading') return <p class="boot">{t(lang, 'loading')}</p>
  if (phase === 'broken') return <p class="boot error">{notice}</p>
  if (phase === 'second_tab') {
    return (
      <main class="screen" role="alert">
        <h1>{t(lang, 'second_tab_title')}</h1>
        <p>{t(lang, 'second_tab')}</p>
      </main>
    )
  }
  if (phase === 'revoked') return <RevokedScreen app={app} lang={lang} />
  if (phase === 'enrol') return <EnrolScreen app={app} lang={lang} handover={state.handover} />
  return (
    <div class="shell">
      <Header app={app} state={state} />
      <Alerts app={app} state={state} />
      <SyncStatus app={app} state={state} onDutyPrompt={route.name === 'list' || route.name === 'visits'} />
      <SafetyAnswers state={state} />
      {state.sync?.problem === 'unauthenticated' && (
        <div class="banner bad" role="alert">
          <p>{t(lang, 'unauthenticated')}</p>
          <button type="button" class="big" onClick={() => app.reenrol()}>
            {t(lang, 'enrol_again')}
          </button>
        </div>
      )}
      {notice === 'sos_sent' && <SosNotice app={app} state={state} />}
      {notice && notice !== 'sos_sent' && (
        <button type="button" class="banner notice" onClick={() => app.dismissNotice()}>
          {t(lang, notice)}
        </button>
      )}
      {(route.name === 'list' || route.name === 'visits') && <Tabs state={state} route={route} />}
      {route.name === 'assignment' && <CallDetail app={app} state={state} id={route.id} />}
      {route.name === 'unit' && <UnitScreen app={app} state={state} />}
      {route.name === 'list' && <CallList state={state} />}
      {route.name === 'visits' && <VisitList state={state} />}
      {route.name === 'visit' && <VisitDetail app={app} state={state} id={route.id} />}
    </div>
  )
}
