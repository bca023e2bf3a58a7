// The device socket /ws/sync/v1/ (docs/realtime.md): same origin, authenticated with the
// `token.<token>` subprotocol; `hello`, `pong`, `changes` and `poke` tell the sync engine
// when to pull; `delivered` receipts and SOS go up as `event` messages for speed (the
// HTTP push sends them again; the server answers `duplicate`). Delivery is at most once
// and the pull is the source of truth, so a lost frame costs at most one ping interval.
import { retryDelayMs } from './backoff.js'

export const PING_MS = 50_000 // the server wants one at least every 60 s
// A check (the app came back to the screen, the network came back) waits this long for an
// answer; a ping on the interval gets until the next one.
export const PONG_WAIT_MS = 15_000
// A socket that said no hello this long after it was opened is no socket.
export const HELLO_WAIT_MS = 30_000
export const CLOSE_UNAUTHENTICATED = 4401

export function socketUrl(location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/ws/sync/v1/`
}

export class LiveSocket {
  constructor({ url, getToken, clock, onFrame, onOpenChange, onRevoked, onUnauthenticated, WebSocketImpl = globalThis.WebSocket, timers = globalThis, random = Math.random }) {
    Object.assign(this, { url, getToken, clock, onFrame, onOpenChange, onRevoked, onUnauthenticated, WebSocketImpl, timers, random })
    this.ws = null
    this.open = false
    this._attempt = 0
    this._retry = null
    this._ping = null
    this._stopped = true
    this._awaiting = false // a ping is out and nothing came since
    this._openedAt = 0
  }

  async start() {
    this._stopped = false
    await this._connect()
  }

  stop() {
    this._stopped = true
    this._clearTimers()
    if (this.ws) this.ws.close(1000)
    this.ws = null
    this._setOpen(false)
  }

  /** The phone lost coverage: drop the socket (it is dead anyway) until ``kick()``. */
  suspend() {
    this._clearTimers()
    const ws = this.ws
    this.ws = null
    if (ws) ws.close(1000)
    this._setOpen(false)
  }

  /** Reconnect now (coverage came back), skipping the backoff wait. */
  async kick() {
    if (this._stopped || this.open || this.ws) return
    this._clearTimers()
    this._attempt = 0
    await this._connect()
  }

  /**
   * Is the socket still there? A link can die without a close (a phone that slept with the
   * screen off, a cell handover): the socket looked open, the header's live dot stayed on and
   * the app waited 10 minutes between pulls for frames that could not come. Ping now; no
   * frame within PONG_WAIT_MS and the socket is dropped and opened again.
   */
  check() {
    if (this._stopped) return
    const ws = this.ws
    if (!ws) return
    if (!this.open) {
      if (this.clock.wallMs() - this._openedAt > HELLO_WAIT_MS) this._lost(ws)
      return
    }
    if (this._awaiting || !this._sendPing()) return
    this.timers.setTimeout(() => {
      if (this.ws === ws && this._awaiting) this._lost(ws)
    }, PONG_WAIT_MS)
  }

  /** A ping; one still unanswered from the last interval means the link is dead. */
  _sendPing() {
    if (this._awaiting) {
      this._lost(this.ws)
      return false
    }
    if (!this.send({ type: 'ping' })) return false
    this._awaiting = true
    return true
  }

  /** The socket is dead though never closed: forget it and open another. */
  _lost(ws) {
    if (!ws || this.ws !== ws) return
    ws.onclose = null
    ws.onmessage = null
    try {
      ws.close(1000)
    } catch {
      // already closing
    }
    this.ws = null
    this._clearTimers()
    this._setOpen(false)
    this._reconnectLater()
  }

  send(message) {
    if (!this.open || !this.ws) return false
    this.ws.send(JSON.stringify({ ...message, clock: this.clock.header() }))
    return true
  }

  _clearTimers() {
    if (this._retry) this.timers.clearTimeout(this._retry)
    if (this._ping) this.timers.clearInterval(this._ping)
    this._retry = null
    this._ping = null
  }

  _setOpen(open) {
    if (this.open !== open) {
      this.open = open
      this.onOpenChange?.(open)
    }
  }

  async _connect() {
    if (this._stopped) return
    const token = await this.getToken()
    if (!token) return
    let ws
    try {
      ws = new this.WebSocketImpl(this.url, ['kuzet.v1', `token.${token}`])
    } catch {
      this._reconnectLater()
      return
    }
    this.ws = ws
    this._awaiting = false
    this._openedAt = this.clock.wallMs()
    let refused = null
    ws.onmessage = (message) => {
      this._awaiting = false // anything from the server says the link lives
      let frame
      try {
        frame = JSON.parse(message.data)
      } catch {
        return
      }
      if (frame?.type === 'hello') {
        this._attempt = 0
        this._setOpen(true)
        this._ping = this.timers.setInterval(() => this._sendPing(), PING_MS)
      }
      if (frame?.type === 'error' && (frame.error === 'device_revoked' || frame.error === 'unauthenticated')) {
        refused = frame.error
      }
      this.onFrame?.(frame)
    }
    ws.onclose = (event) => {
      if (this.ws !== ws) return
      this.ws = null
      this._clearTimers()
      this._setOpen(false)
      if (refused === 'device_revoked') {
        this._stopped = true
        this.onRevoked?.()
      } else if (refused === 'unauthenticated' || event.code === CLOSE_UNAUTHENTICATED) {
        this._stopped = true
        this.onUnauthenticated?.()
      } else {
        this._reconnectLater()
      }
    }
    ws.onerror = () => {}
  }

  _reconnectLater() {
    if (this._stopped) return
    this._attempt += 1
    const delay = retryDelayMs(this._attempt, { baseMs: 2000, capMs: 120_000, random: this.random })
    this._retry = this.timers.setTimeout(() => {
      this._retry = null
      this._connect()
    }, delay)
  }
}
