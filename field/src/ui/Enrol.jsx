import { useEffect, useRef, useState } from 'preact/hooks'
import { t } from '../i18n.js'
import { LanguagePicker } from './common.jsx'

// The camera scan uses the browser's own BarcodeDetector (Chrome on Android has it): no
// library, no bytes. Where it is missing the button is not shown and the code is typed.
const canScan = () =>
  typeof globalThis.BarcodeDetector === 'function' && Boolean(globalThis.navigator?.mediaDevices?.getUserMedia)

/** ``handover``: the phone is being handed over (it still holds the last officer's token,
 * which the enrolment sends); Cancel puts it back as it was. */
export function EnrolScreen({ app, lang, handover = false }) {
  const [code, setCode] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState(null)
  const [scanning, setScanning] = useState(false)

  async function submit(event) {
    event.preventDefault()
    if (!code.trim() || busy) return
    setBusy(true)
    setError(null)
    const result = await app.enrol(code)
    setBusy(false)
    if (!result.ok) setError(result)
    // The next officer starts on his calls, not on the screen the last one handed over from.
    else if (handover) window.location.hash = '#/'
  }

  return (
    <main class="screen enrol">
      <h1>{t(lang, handover ? 'handover_title' : 'enrol_title')}</h1>
      <p class="hint">{t(lang, 'enrol_hint')}</p>
      <form onSubmit={submit}>
        <label for="enrol-code">{t(lang, 'enrol_code')}</label>
        <input
          id="enrol-code"
          class="code-input"
          autocomplete="one-time-code"
          autocapitalize="characters"
          spellcheck={false}
          inputmode="text"
          placeholder="XXXX-XXXX-XXXX"
          value={code}
          onInput={(e) => setCode(e.currentTarget.value.toUpperCase())}
        />
        <button class="big primary" type="submit" disabled={busy}>
          {busy ? t(lang, 'enrol_working') : t(lang, 'enrol_submit')}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {t(lang, error.key, error.params)}
        </p>
      )}
      {handover && (
        <button class="big" type="button" disabled={busy} onClick={() => app.cancelHandover()}>
          {t(lang, 'handover_cancel')}
        </button>
      )}
      {canScan() && !scanning && (
        <button class="big" type="button" onClick={() => setScanning(true)}>
          {t(lang, 'enrol_scan')}
        </button>
      )}
      {scanning && (
        <Scanner
          lang={lang}
          onCode={(value) => {
            setScanning(false)
            setCode(value.toUpperCase())
          }}
          onStop={() => setScanning(false)}
        />
      )}
      <LanguagePicker app={app} lang={lang} />
    </main>
  )
}

function Scanner({ lang, onCode, onStop }) {
  const video = useRef(null)
  useEffect(() => {
    let stream = null
    let stopped = false
    const detector = new globalThis.BarcodeDetector({ formats: ['qr_code'] })
    async function run() {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } })
        video.current.srcObject = stream
        await video.current.play()
        while (!stopped) {
          const found = await detector.detect(video.current)
          const value = found.find((c) => /^[A-Z0-9 -]{12,20}$/i.test(c.rawValue))
          if (value) {
            onCode(value.rawValue)
            return
          }
          await new Promise((resolve) => setTimeout(resolve, 300))
        }
      } catch {
        onStop()
      }
    }
    run()
    return () => {
      stopped = true
      stream?.getTracks().forEach((track) => track.stop())
    }
  }, [])
  return (
    <div class="scanner">
      <video ref={video} muted playsinline />
      <button class="big" type="button" onClick={onStop}>
        {t(lang, 'enrol_scan_stop')}
      </button>
    </div>
  )
}

export function RevokedScreen({ app, lang }) {
  return (
    <main class="screen revoked" role="alert">
      <h1>{t(lang, 'revoked_title')}</h1>
      <p>{t(lang, 'revoked_text')}</p>
      <button class="big primary" type="button" onClick={() => app.acknowledgeRevoked()}>
        {t(lang, 'revoked_ok')}
      </button>
    </main>
  )
}
