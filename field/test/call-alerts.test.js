// @vitest-environment happy-dom
// The phone rings for a call: the controller's side of src/alerts.js — a tone and the motor
// once per alert, again every 20 s while a call nobody answered waits, a system notification
// while the app is off the screen, and quiet once the officer opened the call. Before, a call
// reached the list of a phone in a pocket without a sound.
import { describe, expect, it, vi } from 'vitest'
import { DeviceClock } from '../src/clock.js'
import { FieldApp } from '../src/controller.js'
import { openDatabase } from '../src/db.js'
import { RING_AGAIN_MS } from '../src/ringer.js'
import { KEYS, SyncEngine } from '../src/sync.js'
import { FakeAudio } from './phone-harness.js'

const minute = 60_000
let dbCounter = 0

function server() {
  let seq = 0
  const state = { assignments: [], incidents: [] }
  const api = {
    async pull() {
      return {
        changes: {
          assignments: { created: [], updated: state.assignments, deleted: [] },
          incidents: { created: [], updated: state.incidents, deleted: [] },
        },
        timestamp: ++seq,
        has_more: false,
      }
    },
    async push(events) {
      return { results: events.map((e) => ({ id: e.id, status: 'accepted', disposition: 'applied' })) }
    },
  }
  return { state, api }
}

async function phone(api, { visibility = 'visible' } = {}) {
  vi.spyOn(console, 'log').mockImplementation(() => {})
  FakeAudio.tones = 0
  const timers = []
  const vibrations = []
  const shown = []
  const win = {
    navigator: {
      onLine: true,
      languages: ['ru'],
      vibrate: (pattern) => vibrations.push(pattern),
      serviceWorker: { ready: Promise.resolve({ showNotification: async (title, options) => shown.push({ title, ...options }) }) },
    },
    Notification: { permission: 'granted' },
    AudioContext: FakeAudio,
    document: { visibilityState: visibility },
    addEventListener() {},
    setInterval: (fn, ms) => timers.push({ fn, ms }) && timers.length,
    clearInterval: (id) => {
      timers[id - 1] = null
    },
  }
  const app = new FieldApp({ window: win })
  app.clock = new DeviceClock({ now: () => Date.now(), elapsed: () => 5_000 })
  app.database = openDatabase({ dbName: `alerts-${++dbCounter}` })
  app.engine = new SyncEngine({ database: app.database, api, timers: { setTimeout: () => 1, clearTimeout: () => {} } })
  app.store.set({ phase: 'ready', lang: 'ru', unit: { id: '4', callsign: 'A-PC1' }, deviceId: 'dev_phone' })
  const sync = async () => {
    await app.engine.request()
    await app._refresh()
  }
  return { app, win, timers, vibrations, shown, sync }
}

const call = (priority = 'P1', category = 'violence') => ({
  id: '3', number: '1010-2026-000051', channel: '102', category, priority, status: 'dispatched',
  received_at: Date.now() - 2 * minute, district_id: '1', settlement_id: null, landmark: 'ул. Абая, 12',
  summary: 'Драка во дворе', risk_flags: '[]',
})
const sent = (status = 'dispatched', fields = {}) => ({
  id: '7', incident_id: '3', unit_id: '4', status, dispatched_at: Date.now() - minute, ...fields,
})

describe('a new call', () => {
  it('rings, vibrates and rings again every 20 s until the officer opens it', async () => {
    // given
    const { state, api } = server()
    const { app, timers, vibrations, shown, sync } = await phone(api)
    state.incidents = [call('P0')]
    state.assignments = [sent()]

    // when: the call arrives
    await sync()

    // then: a tone and the motor, and one timer ringing again
    expect(app.store.get().alerts).toEqual([{ assignmentId: '7', kind: 'new', priority: 'P0' }])
    expect(vibrations).toHaveLength(1)
    expect(FakeAudio.tones).toBeGreaterThan(0)
    const again = timers.filter(Boolean)
    expect(again.map((t) => t.ms)).toEqual([RING_AGAIN_MS])
    // (the app is on the screen: no system notification over it)
    await new Promise((ok) => setTimeout(ok, 0))
    expect(shown).toEqual([])

    // when: 20 s pass, and another sync brings nothing new
    again[0].fn()
    await sync()
    // then: it rang again on the timer, not for the sync
    expect(vibrations).toHaveLength(2)

    // when: the officer opens the call
    await app.seeCall('7')
    // then: quiet, and the phone remembers it after a restart
    expect(app.store.get().alerts).toEqual([])
    expect(timers.filter(Boolean)).toEqual([])
    expect(await app.database.localStorage.get(KEYS.seen)).toEqual({ 7: { priority: 'P0', category: 'violence', open: true, messageAt: 0 } })
  })

  it('goes the moment the officer opens the call, while the phone is still writing that down', async () => {
    // given: a new call on the screen, and the phone's storage busy (a sync writing a page)
    const { state, api } = server()
    const { app, sync } = await phone(api)
    state.incidents = [call('P0')]
    state.assignments = [sent()]
    await sync()
    expect(app.store.get().alerts).toHaveLength(1)
    const waiting = []
    const storage = app.database.localStorage
    const set = storage.set.bind(storage)
    storage.set = (key, value) => new Promise((ok) => waiting.push(() => set(key, value).then(ok)))

    // when: the officer opens the call
    const opening = app.seeCall("7")
    await new Promise((ok) => setTimeout(ok, 0))

    // then: the banner is gone before the write is done (it stayed over the opened call)
    expect(app.store.get().alerts).toEqual([])
    // when: a sync lands meanwhile — then: it does not bring the alert back
    await app._alert()
    expect(app.store.get().alerts).toEqual([])
    for (const write of waiting) await write()
    await opening
    expect(await storage.get(KEYS.seen)).toEqual({ 7: { priority: 'P0', category: 'violence', open: true, messageAt: 0 } })
  })

  it('is not rung when the partner’s phone has acknowledged it', async () => {
    const { state, api } = server()
    const { app, vibrations, sync } = await phone(api)
    state.incidents = [call()]
    state.assignments = [sent('acknowledged', { acknowledged_at: Date.now() })]
    await sync()
    expect(app.store.get().alerts).toEqual([])
    expect(vibrations).toEqual([])
  })

  it('comes as a system notification that opens the call while the app is off the screen', async () => {
    const { state, api } = server()
    const { shown, sync } = await phone(api, { visibility: 'hidden' })
    state.incidents = [call('P0')]
    state.assignments = [sent()]
    await sync()
    await new Promise((ok) => setTimeout(ok, 0))
    expect(shown).toEqual([
      {
        title: 'Новый вызов: P0 — угроза жизни',
        body: 'Насилие / драка · ул. Абая, 12',
        tag: 'call-7',
        renotify: true,
        requireInteraction: true,
        data: { url: '/app/#/a/7' },
        icon: '/app/icon-192.png',
      },
    ])
  })
})

describe('a call the desk made more urgent', () => {
  it('sounds once when it becomes P0 and domestic violence, and again only at the next change', async () => {
    // given: the officer opened his P2 call
    const { state, api } = server()
    const { app, vibrations, timers, sync } = await phone(api)
    state.incidents = [call('P2', 'disorder')]
    state.assignments = [sent('en_route', { acknowledged_at: Date.now(), en_route_at: Date.now() })]
    await sync()
    await app.seeCall('7')
    expect(vibrations).toEqual([])

    // when: the desk makes it domestic violence, P0
    state.incidents = [call('P0', 'domestic_violence')]
    await sync()
    await sync()

    // then: once, not on a timer
    expect(app.store.get().alerts).toEqual([{ assignmentId: '7', kind: 'raised', priority: 'P0', from: 'P2', dv: true }])
    expect(vibrations).toHaveLength(1)
    expect(timers.filter(Boolean)).toEqual([])
  })
})
