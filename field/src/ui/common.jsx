import { useEffect, useRef, useState } from 'preact/hooks'
import { formatAge, formatTime } from '../format.js'
import { LANGUAGES, LANGUAGE_NAMES, t } from '../i18n.js'
import { safetyAnswers, sosState } from './Alerts.jsx'

export function LanguagePicker({ app, lang }) {
  return (
    <div class="languages" role="group" aria-label={t(lang, 'language')}>
      {LANGUAGES.map((code) => (
        <button
          key={code}
          type="button"
          class={code === lang ? 'lang current' : 'lang'}
          aria-pressed={code === lang}
          onClick={() => app.setLanguage(code)}
        >
          {LANGUAGE_NAMES[code]}
        </button>
      ))}
    </div>
  )
}

/** The phone's state of sync, in one box under the header: what the desk does not have yet
 * and why, the most important first — an SOS still on the phone (red, above all else: the
 * officer must not take it that help is coming), his answer to the desk's check waiting, no
 * signal or the server not answering, then the facts waiting, the last sync and "Sync now".
 * Offline at 360 px the three amber banners it replaced (no signal, the SOS kept on the
 * phone, the answer kept on the phone) stood one over the other with the sync line between,
 * and the call itself began below the fold. On his lists (``onDutyPrompt``) an officer off
 * duty reads here too that the desk does not have his position, with the switch: it was an
 * amber box of its own beside this one. With nothing wrong it is the sync line alone.
 *
 * The phone without a network (the browser says so: no signal at all, flight mode) has no
 * "Sync now" — pressed in a white spot it could reach nobody and did nothing he could see —
 * but what happens instead: the phone sends and updates by itself once there is signal
 * (controller.js: _coverage). The server not reached on a network the phone has (a bar that
 * comes and goes) keeps the button: pressed there it does try, sooner than the backoff. */
export function SyncStatus({ app, state, onDutyPrompt = false }) {
  const { lang, sync, online, data, now } = state
  // What the officer recorded, not the phone's own position reports (one a minute on duty,
  // sent with the next sync): they kept the count at 1 with the signal up.
  const waiting = data.events.filter((e) => e._status === 'created' && e.kind !== 'location').length
  const offline = !online || sync?.problem === 'offline'
  // Whatever the notice under it says or whether he tapped it away: an SOS the desk does not
  // have is said here until it is sent.
  const sosUnsent = sosState(state)?.sent === false
  const answerUnsent = safetyAnswers(state).some((answer) => !answer.sent)
  const offDuty = onDutyPrompt && !state.onDuty
  const problem = sosUnsent || answerUnsent || offline || offDuty || (sync?.problem && sync.problem !== 'unauthenticated')
  const tone = sosUnsent ? ' status-sos' : sync?.problem === 'upgrade' ? ' status-bad' : problem ? ' status-warn' : ''
  return (
    <section class={`sync status${tone}`} aria-live="polite">
      {sosUnsent && (
        <p class="sync-state sos-unsent" role="alert">
          {t(lang, 'sos_waiting')}
        </p>
      )}
      {sync?.problem === 'upgrade' && <p class="sync-state upgrade">{t(lang, 'upgrade_required')}</p>}
      {answerUnsent && <p class="sync-state safety-unsent">{t(lang, 'safety_answer_unsent')}</p>}
      {offline && <p class="sync-state offline">{t(lang, 'offline')}</p>}
      {sync?.problem === 'server' && (
        <p class="sync-state server">
          {sync.nextRetryAt ? t(lang, 'sync_error', { t: formatTime(lang, sync.nextRetryAt, now) }) : t(lang, 'sync_error_soon')}
        </p>
      )}
      {offDuty && <OnDutyPrompt app={app} state={state} />}
      <div class="sync-line">
        <span class={waiting ? 'waiting pending' : 'waiting'}>
          {waiting ? t(lang, 'waiting', { n: waiting }) : t(lang, 'waiting_none')}
        </span>
        <span class="last-sync">{lastSync(state, offline)}</span>
        {online ? (
          <button type="button" class="small" onClick={() => app.syncNow()} disabled={sync?.syncing}>
            {t(lang, 'sync_now')}
          </button>
        ) : (
          <span class="sync-later">{t(lang, 'sync_when_online')}</span>
        )}
      </div>
    </section>
  )
}

/** When the phone last had the server's answer. Offline, when it last reached the server, at
 * the local time: "Синхронизация: 14:05 (только что)" read as if the phone were in touch (the
 * screen's clock ticks every 30 s, and a sync after its last tick was "just now" until the
 * next), and a sync "in progress" without signal is only the phone trying. */
function lastSync(state, offline) {
  const { lang, sync, now } = state
  const at = sync?.lastSyncOk
  if (offline) return at ? t(lang, 'last_contact', { t: formatTime(lang, at, now) }) : t(lang, 'last_contact_never')
  if (sync?.syncing) return t(lang, 'syncing')
  if (!at) return t(lang, 'last_sync_never')
  return t(lang, 'last_sync', { t: `${formatTime(lang, at, now)} (${formatAge(lang, at, now)})` })
}

/** Off duty, the phone sends no position, and the duty desk's nearest-unit list cannot count
 * him: the switch was only on the unit screen, which an officer working his calls never opens,
 * and a whole shift went by with his position never sent. Said on his lists, with the switch,
 * in the status box (SyncStatus): what the desk does not have. */
export function OnDutyPrompt({ app, state }) {
  const { lang, onDuty } = state
  if (onDuty) return null
  return (
    <div class="sync-state on-duty-prompt">
      <p>{t(lang, 'on_duty_prompt')}</p>
      <button type="button" class="big" onClick={() => app.setOnDuty(true)}>
        {t(lang, 'on_duty_start')}
      </button>
    </div>
  )
}

const HOLD_MS = 1200

/**
 * SOS: one tap opens the confirmation, which sends only after the button is held for
 * 1.2 s — a pocket or a stray tap cannot send it, a hand in trouble can in under two
 * seconds. Releasing early sends nothing.
 */
export function Sos({ app, lang }) {
  const [open, setOpen] = useState(false)
  const [holding, setHolding] = useState(false)
  const timer = useRef(null)

  function start(event) {
    event.preventDefault()
    if (timer.current) return
    setHolding(true)
    timer.current = setTimeout(async () => {
      timer.current = null
      setHolding(false)
      setOpen(false)
      await app.sos()
    }, HOLD_MS)
  }

  function stop() {
    if (timer.current) clearTimeout(timer.current)
    timer.current = null
    setHolding(false)
  }

  useEffect(() => stop, [])

  return (
    <>
      <button type="button" class="sos-open" onClick={() => setOpen(true)}>
        {t(lang, 'sos')}
      </button>
      {open && (
        <div class="dialog-backdrop">
          <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="sos-title">
            <h2 id="sos-title">{t(lang, 'sos_title')}</h2>
            <button
              type="button"
              class={holding ? 'sos-hold holding' : 'sos-hold'}
              onPointerDown={start}
              onPointerUp={stop}
              onPointerLeave={stop}
              onPointerCancel={stop}
              onKeyDown={(e) => (e.key === ' ' || e.key === 'Enter') && !e.repeat && start(e)}
              onKeyUp={stop}
              onContextMenu={(e) => e.preventDefault()}
            >
              <span class="sos-label">{t(lang, 'sos_hold')}</span>
              {/* The red that grows carries its own white copy of the label, laid over the
                  red one: where the red has come the words are white, elsewhere still red on
                  white (one label turned white at once, and read white on white). */}
              <span class="sos-fill" aria-hidden="true">
                {t(lang, 'sos_hold')}
              </span>
            </button>
            <button
              type="button"
              class="big"
              onClick={() => {
                stop()
                setOpen(false)
              }}
            >
              {t(lang, 'sos_cancel')}
            </button>
          </div>
        </div>
      )}
    </>
  )
}
