// What the app knows of time (PROTOCOL.md §2): the phone's wall clock (untrusted),
// a boot id that changes every time the app starts, and monotonic milliseconds since that
// start (performance.now(), which never jumps when the officer or the network sets the
// clock). Every request carries them as X-Device-Clock, every event records them, and the
// server dates events from the pairs it saw ("at elapsed E of boot B the server read S").

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

export function randomId(length = 16, random = defaultRandom) {
  const bytes = random(length)
  let id = ''
  for (let i = 0; i < length; i++) id += ID_ALPHABET[bytes[i] % ID_ALPHABET.length]
  return id
}

function defaultRandom(length) {
  const bytes = new Uint8Array(length)
  crypto.getRandomValues(bytes)
  return bytes
}

export class DeviceClock {
  constructor({ now = () => Date.now(), elapsed = () => performance.now(), bootId } = {}) {
    this._now = now
    this._elapsed = elapsed
    this.bootId = bootId ?? `web-${randomId(16)}`
  }

  wallMs() {
    return Math.floor(this._now())
  }

  elapsedMs() {
    return Math.floor(this._elapsed())
  }

  header() {
    return `${this.wallMs()};${this.bootId};${this.elapsedMs()}`
  }
}
