import { useEffect, useRef, useState } from 'preact/hooks'
import { formatAge, formatTime } from '../format.js'
import { LANGUAGES, LANGUAGE_NAMES, t } from '../i18n.js'

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

/** Offline banner, facts waiting, last successful sync: the honest state of sync. */
export function SyncStatus({ app, state }) {
  const { lang, sync, online, data, now } = state
  // What the officer recorded, not the phone's own position reports (one a minute on duty,
  // sent with the next sync): they kept the count at 1 with the signal up.
  const waiting = data.events.filter((e) => e._status === 'created' && e.kind !== 'location').length
  const offline = !online || sync?.problem === 'offline'
  return (
    <section class="sync" aria-live="polite">
      {offline && (
        <p class="banner offline" role="status">
          {t(lang, 'offline')}
        </p>
      )}
      {sync?.problem === 'server' && (
        <p class="banner warn" role="status">
          {sync.nextRetryAt ? t(lang, 'sync_error', { t: formatTime(lang, sync.nextRetryAt, now) }) : t(lang, 'sync_error_soon')}
        </p>
      )}
      {sync?.problem === 'upgrade' && <p class="banner bad">{t(lang, 'upgrade_required')}</p>}
      <div class="sync-line">
        <span class={waiting ? 'waiting pending' : 'waiting'}>
          {waiting ? t(lang, 'waiting', { n: waiting }) : t(lang, 'waiting_none')}
        </span>
        <span class="last-sync">
          {sync?.syncing
            ? t(lang, 'syncing')
            : sync?.lastSyncOk
              ? t(lang, 'last_sync', { t: `${formatTime(lang, sync.lastSyncOk, now)} (${formatAge(lang, sync.lastSyncOk, now)})` })
              : t(lang, 'last_sync_never')}
        </span>
        <button type="button" class="small" onClick={() => app.syncNow()} disabled={sync?.syncing}>
          {t(lang, 'sync_now')}
        </button>
      </div>
    </section>
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
