// How the phone makes itself noticed: a tone (Web Audio: no sound file to download over 2G),
// the vibration motor, and a system notification while the app is not on the screen. A browser
// lets a page make a sound or vibrate only after the person has touched it (the autoplay and
// user-activation rules): the officer has, to enrol and to open the app; the audio context is
// created and resumed on a touch and kept.
//
// A call nobody has answered rings again every RING_AGAIN_MS until it is opened or answered,
// as a dispatch terminal in a car does; a call made more urgent, a message from the desk, a
// call taken off the unit sound once.

export const RING_AGAIN_MS = 20_000
// Rising beeps for a call to answer; two high ones for a call made more urgent; one low one
// for a call taken off the unit. Hz and milliseconds.
const TONES = {
  new: [[880, 180], [0, 90], [1175, 180], [0, 90], [1568, 260]],
  raised: [[1568, 160], [0, 100], [1568, 160]],
  message: [[1175, 160], [0, 100], [1568, 220]],
  withdrawn: [[523, 300]],
  // The desk checking on a silent crew: three short ones, like a question.
  safety: [[1175, 140], [0, 90], [1175, 140], [0, 90], [1568, 200]],
}
const VIBRATION = {
  new: [400, 200, 400, 200, 400], raised: [250, 150, 250], message: [250, 150, 250], withdrawn: [300],
  safety: [250, 120, 250, 120, 250],
}

export class Ringer {
  constructor(win) {
    this.window = win
    this.context = null
    // Unlock the audio on the officer's first touch (a context made before one stays muted).
    const unlock = () => this._audio()?.resume?.()
    win?.addEventListener?.('pointerdown', unlock, { capture: true })
    win?.addEventListener?.('keydown', unlock, { capture: true })
  }

  _audio() {
    if (this.context) return this.context
    const Context = this.window?.AudioContext || this.window?.webkitAudioContext
    if (!Context) return null
    try {
      this.context = new Context()
    } catch {
      return null
    }
    return this.context
  }

  /** Sound and vibrate for an alert of ``kind`` ('new', 'raised', 'message', 'withdrawn', 'safety'). */
  ring(kind) {
    this._vibrate(VIBRATION[kind] ?? VIBRATION.new)
    this._tone(TONES[kind] ?? TONES.new)
  }

  _vibrate(pattern) {
    try {
      this.window?.navigator?.vibrate?.(pattern)
    } catch {
      // no motor, or no user activation yet: the tone and the banner remain
    }
  }

  _tone(steps) {
    const context = this._audio()
    if (!context) return
    let at = context.currentTime + 0.02
    for (const [hz, ms] of steps) {
      if (hz) {
        const osc = context.createOscillator()
        const gain = context.createGain()
        osc.type = 'square'
        osc.frequency.value = hz
        gain.gain.setValueAtTime(0.25, at)
        gain.gain.setValueAtTime(0, at + ms / 1000)
        osc.connect(gain).connect(context.destination)
        osc.start(at)
        osc.stop(at + ms / 1000)
      }
      at += ms / 1000
    }
  }

  /** Whether the system may show notifications: 'granted', 'denied', 'default' or
   * 'unsupported' (no Notification API, or no service worker to show them). */
  permission() {
    const N = this.window?.Notification
    if (!N || !this.window?.navigator?.serviceWorker) return 'unsupported'
    return N.permission
  }

  async askPermission() {
    const N = this.window?.Notification
    if (!N) return 'unsupported'
    try {
      return await N.requestPermission()
    } catch {
      return N.permission
    }
  }

  /** Subscribe this browser to Web Push with the server's ``key`` (base64url), replacing a
   * subscription made with another key; its ``toJSON()``, or null where the browser has no
   * push service (the caller says so to the officer). */
  async pushSubscription(key) {
    const worker = this.window?.navigator?.serviceWorker
    if (!worker || !this.window.PushManager || this.permission() !== 'granted') return null
    const registration = await worker.ready
    let subscription = await registration.pushManager.getSubscription()
    if (subscription && base64url(subscription.options?.applicationServerKey) !== key) {
      await subscription.unsubscribe()
      subscription = null
    }
    subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key })
    return subscription.toJSON()
  }

  /** A system notification, when the app is not on the screen and the officer allowed them;
   * one per call (``tag``), replaced when the call's alert changes. The service worker opens
   * the call when it is tapped (public/notify-sw.js). */
  async notify({ tag, title, body, url }) {
    if (this.permission() !== 'granted') return false
    if (this.window.document?.visibilityState === 'visible') return false
    try {
      const registration = await this.window.navigator.serviceWorker.ready
      await registration.showNotification(title, {
        tag,
        body,
        renotify: true,
        requireInteraction: true,
        data: { url },
        icon: '/app/icon-192.png',
      })
      return true
    } catch {
      return false
    }
  }
}

function base64url(buffer) {
  if (!buffer) return null
  const bytes = new Uint8Array(buffer)
  let text = ''
  for (const byte of bytes) text += String.fromCharCode(byte)
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
