// A field app on a fake server, for tests that live a call through syncs: the server's
// records as a pull answers them, what the phone pushed, and a phone whose storage (IndexedDB
// in the browser; Loki in memory here) is kept across a restart of the app.
import { vi } from 'vitest'
import Loki from 'lokijs'
import { NetworkError } from '../src/api.js'
import { DeviceClock } from '../src/clock.js'
import { FieldApp } from '../src/controller.js'
import { lokiAdapter, openDatabase } from '../src/db.js'
import { SyncEngine } from '../src/sync.js'

let dbCounter = 0

/** The sync API over ``state`` (its assignments, incidents and events; offline when
 * ``state.online`` is false); ``pushed`` holds every event the phone sent. */
export function fakeServer() {
  let seq = 0
  const state = { assignments: [], incidents: [], events: [], online: true }
  const pushed = []
  const api = {
    async pull() {
      if (!state.online) throw new NetworkError('offline')
      return {
        changes: {
          assignments: { created: [], updated: state.assignments, deleted: [] },
          incidents: { created: [], updated: state.incidents, deleted: [] },
          events: { created: [], updated: state.events, deleted: [] },
        },
        timestamp: ++seq,
        has_more: false,
      }
    },
    async push(events) {
      if (!state.online) throw new NetworkError('offline')
      pushed.push(...events)
      return { results: events.map((e) => ({ id: e.id, status: 'accepted', disposition: 'recorded' })) }
    },
  }
  return { state, api, pushed }
}

/** A-PC1's phone reading ``lang`` on ``api``, ready, with what it keeps between runs loaded:
 * ``sync()`` pulls and redraws; ``rung`` the kinds it rang for; pass ``storage`` of an earlier
 * one to restart it. */
export async function testPhone(api, { lang = 'ru', storage = null } = {}) {
  storage ??= { dbName: `phone-${++dbCounter}`, persistence: new Loki.LokiMemoryAdapter() }
  vi.spyOn(console, 'log').mockImplementation(() => {})
  const rung = []
  const win = {
    navigator: { onLine: true, languages: [lang], vibrate: () => {} },
    Notification: { permission: 'denied' },
    document: { visibilityState: 'visible' },
    addEventListener() {},
    setInterval: () => 1,
    clearInterval: () => {},
  }
  const app = new FieldApp({ window: win })
  app.ringer.ring = (kind) => rung.push(kind)
  app.clock = new DeviceClock({ now: () => Date.now(), elapsed: () => 5_000 })
  app.database = openDatabase({ adapter: lokiAdapter({ dbName: storage.dbName, _testLokiAdapter: storage.persistence }) })
  app.engine = new SyncEngine({ database: app.database, api, timers: { setTimeout: () => 1, clearTimeout: () => {} } })
  app.store.set({ phase: 'ready', lang, unit: { id: '4', callsign: 'A-PC1' }, deviceId: 'dev_phone' })
  await app._loadKept()
  const sync = async () => {
    await app.engine.request()
    await app._refresh()
  }
  return { app, sync, storage, rung }
}

/** The Web Audio the ringer plays its tones on, silent; ``FakeAudio.tones`` counts the tones
 * started (reset it in a test's set-up). */
export class FakeAudio {
  static tones = 0
  currentTime = 0
  destination = {}
  resume() {}
  createGain() {
    return { gain: { setValueAtTime() {} }, connect: (next) => next }
  }
  createOscillator() {
    return { frequency: {}, connect: (next) => next, start: () => FakeAudio.tones++, stop() {} }
  }
}
