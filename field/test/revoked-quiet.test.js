// @vitest-environment happy-dom
// A phone revoked while a call rings for it: the wipe erased the call, and the revoked screen
// still rang every 20 s for it (the alerts and their timer were kept), and the system
// notification of the call — its category and place — stayed on the lock screen.
import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../src/api.js'
import { DeviceClock } from '../src/clock.js'
import { FieldApp } from '../src/controller.js'
import { openDatabase } from '../src/db.js'
import { SyncEngine } from '../src/sync.js'
import { FakeAudio } from './phone-harness.js'

const minute = 60_000

describe('a phone revoked while a call rings', () => {
  it('stops ringing and takes the call’s notification away', async () => {
    // given: a P0 call ringing on a phone in a pocket (its notification shown)
    vi.spyOn(console, 'log').mockImplementation(() => {})
    const timers = []
    const shown = []
    const registration = {
      showNotification: async (title, options) => shown.push({ title, ...options, close: vi.fn() }),
      getNotifications: async () => shown,
    }
    const win = {
      navigator: { onLine: true, languages: ['ru'], vibrate: () => {}, serviceWorker: { ready: Promise.resolve(registration) } },
      Notification: { permission: 'granted' },
      AudioContext: FakeAudio,
      document: { visibilityState: 'hidden' },
      addEventListener() {},
      setInterval: (fn, ms) => timers.push({ fn, ms }) && timers.length,
      clearInterval: (id) => {
        timers[id - 1] = null
      },
    }
    let revoked = false
    const api = {
      async pull() {
        if (revoked) throw new ApiError(401, 'device_revoked', 'erase', { wipe: true })
        return {
          changes: {
            incidents: { created: [], updated: [{ id: '3', number: '1010-2026-000051', category: 'violence', priority: 'P0', status: 'dispatched', received_at: Date.now() - 2 * minute, district_id: '1', landmark: 'ул. Абая, 12', risk_flags: '[]' }], deleted: [] },
            assignments: { created: [], updated: [{ id: '7', incident_id: '3', unit_id: '4', status: 'dispatched', dispatched_at: Date.now() - minute }], deleted: [] },
          },
          timestamp: 1,
          has_more: false,
        }
      },
      async push() {
        return { results: [] }
      },
    }
    const app = new FieldApp({ window: win })
    app.clock = new DeviceClock({ now: () => Date.now(), elapsed: () => 5_000 })
    app.database = openDatabase({ dbName: `revoked-quiet-${Math.random()}` })
    app.engine = new SyncEngine({ database: app.database, api, timers: { setTimeout: () => 1, clearTimeout: () => {} } })
    app.engine.subscribe((sync) => app._onSync(sync))
    app.store.set({ phase: 'ready', lang: 'ru', unit: { id: '4', callsign: 'A-PC1' }, deviceId: 'dev_phone' })
    await app.engine.request()
    await app._refresh()
    expect(app.store.get().alerts).toHaveLength(1)
    expect(timers.filter(Boolean)).toHaveLength(1)
    expect(shown.map((n) => n.body)).toEqual([expect.stringContaining('ул. Абая, 12')])

    // when: the next pull is answered device_revoked
    revoked = true
    await app.engine.request()
    await new Promise((resolve) => setTimeout(resolve, 0))

    // then: the revoked screen, ringing for nothing, the notification gone
    expect(app.store.get().phase).toBe('revoked')
    expect(app.store.get().alerts).toEqual([])
    expect(timers.filter(Boolean)).toEqual([])
    expect(shown[0].close).toHaveBeenCalled()
  })
})
