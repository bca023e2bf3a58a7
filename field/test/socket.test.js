import { describe, expect, it } from 'vitest'
import { DeviceClock } from '../src/clock.js'
import { HELLO_WAIT_MS, LiveSocket, PING_MS, PONG_WAIT_MS, socketUrl } from '../src/socket.js'

class FakeWebSocket {
  static made = []
  constructor(url, protocols) {
    Object.assign(this, { url, protocols, sent: [], closed: null })
    FakeWebSocket.made.push(this)
  }
  send(text) {
    this.sent.push(JSON.parse(text))
  }
  close(code) {
    this.closed = code
  }
  frame(body) {
    this.onmessage({ data: JSON.stringify(body) })
  }
}

function fakeTimers() {
  const timers = { timeouts: [], intervals: [] }
  timers.setTimeout = (fn, ms) => timers.timeouts.push({ fn, ms }) && timers.timeouts.length
  timers.clearTimeout = () => {}
  timers.setInterval = (fn, ms) => timers.intervals.push({ fn, ms }) && timers.intervals.length
  timers.clearInterval = () => {}
  return timers
}

function socket(over = {}) {
  FakeWebSocket.made = []
  const seen = { frames: [], open: [], revoked: 0, unauthenticated: 0 }
  const timers = fakeTimers()
  const live = new LiveSocket({
    url: 'ws://kuzet.test/ws/sync/v1/',
    getToken: async () => 'tok-123',
    clock: new DeviceClock({ now: () => 5000, elapsed: () => 7, bootId: 'boot-1' }),
    onFrame: (f) => seen.frames.push(f),
    onOpenChange: (open) => seen.open.push(open),
    onRevoked: () => seen.revoked++,
    onUnauthenticated: () => seen.unauthenticated++,
    WebSocketImpl: FakeWebSocket,
    timers,
    random: () => 1,
    ...over,
  })
  return { live, seen, timers }
}

describe('device socket', () => {
  it('connects to the same origin with the token subprotocol and pings after hello', async () => {
    // given
    const { live, seen, timers } = socket()

    // when
    await live.start()
    const ws = FakeWebSocket.made[0]
    ws.frame({ type: 'hello', timestamp: 42, server_time: 1 })
    timers.intervals[0].fn()

    // then
    expect(socketUrl({ protocol: 'https:', host: 'kuzet.police.kz' })).toBe('wss://kuzet.police.kz/ws/sync/v1/')
    expect(ws.protocols).toEqual(['kuzet.v1', 'token.tok-123'])
    expect(seen.open).toEqual([true])
    expect(seen.frames).toEqual([{ type: 'hello', timestamp: 42, server_time: 1 }])
    expect(timers.intervals[0].ms).toBe(PING_MS)
    expect(ws.sent).toEqual([{ type: 'ping', clock: '5000;boot-1;7' }])
  })

  it('reconnects with backoff after a drop, and stops for good when the device is revoked', async () => {
    // given
    const { live, seen, timers } = socket()
    await live.start()
    const first = FakeWebSocket.made[0]
    first.frame({ type: 'hello', timestamp: 1 })

    // when: the link drops
    first.onclose({ code: 1006 })

    // then: a reconnect is scheduled (2 s · 2^0, full jitter factor 1)
    expect(seen.open).toEqual([true, false])
    expect(timers.timeouts.map((t) => t.ms)).toEqual([2000])

    // when: the reconnect finds the device revoked
    timers.timeouts[0].fn()
    await new Promise((resolve) => setTimeout(resolve, 0))
    const second = FakeWebSocket.made[1]
    second.frame({ type: 'error', error: 'device_revoked', detail: 'erase', wipe: true })
    second.onclose({ code: 4401 })

    // then
    expect(seen.revoked).toBe(1)
    expect(timers.timeouts).toHaveLength(1)
    expect(live.send({ type: 'ping' })).toBe(false)
  })

  it('drops the socket while offline and comes back at once on kick', async () => {
    // given
    const { live, seen } = socket()
    await live.start()
    FakeWebSocket.made[0].frame({ type: 'hello', timestamp: 1 })

    // when
    live.suspend()
    await live.kick()

    // then
    expect(FakeWebSocket.made[0].closed).toBe(1000)
    expect(FakeWebSocket.made).toHaveLength(2)
    expect(seen.open).toEqual([true, false])
  })

  it('drops a socket that left a ping unanswered for a whole interval, and opens another', async () => {
    // given: the socket said hello, then the link died without a close (a cell handover)
    const { live, seen, timers } = socket()
    await live.start()
    const first = FakeWebSocket.made[0]
    first.frame({ type: 'hello', timestamp: 1 })

    // when: a ping, and at the next interval still nothing
    timers.intervals[0].fn()
    timers.intervals[0].fn()

    // then: not live any more (the header's dot off), a new socket on the backoff
    expect(first.sent.map((m) => m.type)).toEqual(['ping'])
    expect(first.closed).toBe(1000)
    expect(seen.open).toEqual([true, false])
    expect(timers.timeouts.map((t) => t.ms)).toEqual([2000])
    timers.timeouts[0].fn()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(FakeWebSocket.made).toHaveLength(2)
  })

  it('keeps a socket whose pings are answered', async () => {
    // given
    const { live, seen, timers } = socket()
    await live.start()
    const ws = FakeWebSocket.made[0]
    ws.frame({ type: 'hello', timestamp: 1 })

    // when
    timers.intervals[0].fn()
    ws.frame({ type: 'pong', timestamp: 1, server_time: 2 })
    timers.intervals[0].fn()

    // then
    expect(ws.sent.map((m) => m.type)).toEqual(['ping', 'ping'])
    expect(ws.closed).toBe(null)
    expect(seen.open).toEqual([true])
  })

  it('asked on waking, a silent socket is dropped within seconds, an answering one kept', async () => {
    // given: the phone back from its sleep
    const { live, seen, timers } = socket()
    await live.start()
    const ws = FakeWebSocket.made[0]
    ws.frame({ type: 'hello', timestamp: 1 })

    // when: the app asks, and no answer comes in time
    live.check()

    // then
    expect(ws.sent.map((m) => m.type)).toEqual(['ping'])
    expect(timers.timeouts.map((t) => t.ms)).toEqual([PONG_WAIT_MS])
    timers.timeouts[0].fn()
    expect(ws.closed).toBe(1000)
    expect(seen.open).toEqual([true, false])

    // and: a socket that answers is kept
    timers.timeouts[1].fn()
    await new Promise((resolve) => setTimeout(resolve, 0))
    const second = FakeWebSocket.made[1]
    second.frame({ type: 'hello', timestamp: 2 })
    live.check()
    second.frame({ type: 'pong', timestamp: 2 })
    timers.timeouts.at(-1).fn()
    expect(second.closed).toBe(null)
    expect(seen.open).toEqual([true, false, true])
  })

  it('asked, a socket that never said hello is given up and opened again', async () => {
    // given: a socket opened over a dead link, never answered
    let now = 5000
    const { live, timers } = socket({ clock: new DeviceClock({ now: () => now, elapsed: () => 7, bootId: 'b' }) })
    await live.start()
    const first = FakeWebSocket.made[0]

    // when
    now += HELLO_WAIT_MS + 1
    live.check()

    // then
    expect(first.closed).toBe(1000)
    expect(timers.timeouts.map((t) => t.ms)).toEqual([2000])
  })
})
