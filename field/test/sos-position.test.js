// @vitest-environment happy-dom
// Where the officer who pressed SOS is. The SOS carried a position only when the phone had a
// fix of the last two minutes (any fact's rule): an officer off duty, or under a hill for a
// while, sent an SOS with no position at all and the duty desk read "SOS from A-PC1" and
// nothing else. Now an older fix goes up in the SOS's payload with its age.
import { describe, expect, it, vi } from 'vitest'
import { DeviceClock } from '../src/clock.js'
import { FieldApp } from '../src/controller.js'
import { openDatabase } from '../src/db.js'
import { sosPayload } from '../src/events.js'
import { SyncEngine } from '../src/sync.js'

const minute = 60_000
let dbCounter = 0

async function phone({ geolocation } = {}) {
  vi.spyOn(console, 'log').mockImplementation(() => {})
  const pushed = []
  const api = {
    async pull(lastPulledAt) {
      return { changes: {}, timestamp: (lastPulledAt ?? 0) + 1, has_more: false }
    },
    async push(events) {
      pushed.push(...events)
      return { results: events.map((e) => ({ id: e.id, status: 'accepted', disposition: 'applied' })) }
    },
  }
  const win = { navigator: { onLine: true, languages: ['ru'], geolocation }, addEventListener() {}, setInterval() {} }
  const app = new FieldApp({ window: win })
  app.clock = new DeviceClock({ now: () => Date.now(), elapsed: () => 5_000 })
  app.database = openDatabase({ dbName: `sos-${++dbCounter}` })
  app.engine = new SyncEngine({ database: app.database, api, timers: { setTimeout: () => 1, clearTimeout: () => {} } })
  app.store.set({ phase: 'ready', lang: 'ru', unit: { id: '4', callsign: 'A-PC1' }, deviceId: 'dev_phone' })
  return { app, pushed }
}

async function pressSos(fix) {
  const { app, pushed } = await phone({ geolocation: { getCurrentPosition() {} } })
  app.store.set({ position: { fix, denied: false } })
  await app.sos()
  await app.engine.request()
  expect(pushed.map((e) => e.kind)).toEqual(['sos'])
  return { ...pushed[0], payload: JSON.parse(pushed[0].payload) }
}

describe('the position an SOS carries', () => {
  it('is the last fix with its age when the fix is too old to ride on the event', async () => {
    // given: the last fix is ten minutes old (the officer went off duty)
    const fix = { lat: 47.97, lon: 80.44, accuracy: 35.04, time: Date.now() - 10 * minute }

    // when
    const sent = await pressSos(fix)

    // then: not the unit's position now (the event's lat/lon), but the desk's best "where"
    expect([sent.lat, sent.lon, sent.gps_time]).toEqual([null, null, null])
    expect(sent.payload).toMatchObject({ last_lat: 47.97, last_lon: 80.44, last_accuracy_m: 35 })
    expect(sent.payload.last_fix_age_ms).toBeGreaterThanOrEqual(10 * minute)
    expect(sent.payload.last_fix_age_ms).toBeLessThan(11 * minute)
  })

  it('rides on the event itself when it is fresh, as on any fact', async () => {
    const sent = await pressSos({ lat: 47.97, lon: 80.44, accuracy: 8, time: Date.now() - 20_000 })

    expect([sent.lat, sent.lon, sent.accuracy_m]).toEqual([47.97, 80.44, 8])
    expect(sent.payload).toEqual({})
  })

  it('is nothing when the phone never had a fix (the desk reads "position unknown")', async () => {
    const sent = await pressSos(null)

    expect([sent.lat, sent.lon]).toEqual([null, null])
    expect(sent.payload).toEqual({})
    expect(sosPayload(null, Date.now())).toEqual({})
  })
})

describe('a fix asked for when the SOS had none fresh', () => {
  it('goes up as the unit\'s position at once, after the SOS', async () => {
    // given: no fix at all; the phone finds one when asked
    const asked = []
    const geolocation = {
      getCurrentPosition(success, _failure, options) {
        asked.push(options)
        success({ coords: { latitude: 46.951, longitude: 79.667, accuracy: 20 }, timestamp: Date.now() })
      },
    }
    const { app, pushed } = await phone({ geolocation })
    app.store.set({ position: { fix: null, denied: false } })

    // when
    await app.sos()
    await vi.waitFor(async () => {
      await app.engine.request()
      expect(pushed.map((e) => e.kind).sort()).toEqual(['location', 'sos'])
    })

    // then: a fresh fix, not one from the cache (the server takes either order)
    expect(asked).toEqual([{ enableHighAccuracy: true, maximumAge: 0, timeout: 60_000 }])
    const location = pushed.find((e) => e.kind === 'location')
    expect([location.lat, location.lon, location.accuracy_m]).toEqual([46.951, 79.667, 20])
  })

  it('is not asked for when the SOS carried a fresh one', async () => {
    const geolocation = { getCurrentPosition: vi.fn() }
    const { app } = await phone({ geolocation })
    app.store.set({ position: { fix: { lat: 47.97, lon: 80.44, accuracy: 8, time: Date.now() - 5_000 }, denied: false } })

    await app.sos()

    expect(geolocation.getCurrentPosition).not.toHaveBeenCalled()
  })
})

describe('the SOS notice', () => {
  it('goes once the officer sets the unit’s status (safe again)', async () => {
    // "SOS recorded — going to the duty officers" stayed over the screens after the officer
    // had set "Available" to leave SOS, as if it were still on.
    const { app } = await phone({ geolocation: { getCurrentPosition() {} } })
    app.store.set({ position: { fix: null, denied: false } })
    await app.sos()
    expect(app.store.get().notice).toBe('sos_sent')
    await app.unitStatus('available')
    expect(app.store.get().notice).toBeNull()
  })

  it('goes once the desk has cleared the SOS ("Officer safe"), not before', async () => {
    // The desk's "Officer safe — clear SOS" set the unit back to work on the server; the
    // phone kept "SOS recorded — going to the duty officers" until the officer tapped a status.
    let status = 'available'
    const unit = () => ({
      id: '4', callsign: 'A-PC1', type: 'patrol_car', mobility: 'car', district_id: '1', status,
      status_at: Date.now(), lat: null, lon: null, position_at: null,
    })
    let seq = 0
    const { app } = await phone({ geolocation: { getCurrentPosition() {} } })
    app.engine.api.pull = async () => ({
      changes: { units: { created: [], updated: [unit()], deleted: [] } },
      timestamp: ++seq,
      has_more: false,
    })
    app.store.set({ position: { fix: null, denied: false } })

    // when: the SOS is recorded while the server still says available (not yet sent)
    await app.sos()
    await app.engine.request()
    await app._refresh()
    // then: the notice stays
    expect(app.store.get().notice).toBe('sos_sent')

    // when: the server says sos, then (the desk cleared it) available
    status = 'sos'
    await app.engine.request()
    await app._refresh()
    expect(app.store.get().notice).toBe('sos_sent')
    status = 'available'
    await app.engine.request()
    await app._refresh()

    // then
    expect(app.store.get().notice).toBeNull()
  })

  it('stays over any other notice’s place until then', async () => {
    const { app } = await phone()
    app.store.set({ notice: 'something_else' })
    await app.unitStatus('busy')
    expect(app.store.get().notice).toBe('something_else')
  })
})
