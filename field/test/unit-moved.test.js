// @vitest-environment happy-dom
// The officer moved to another unit: the server rebuilt his phone's scope (the new unit's
// calls came), but the header kept the callsign the phone was enrolled with — the enrolment
// answer was the only thing that named the unit. A new snapshot names it now
// (docs/protocol.md §3), and the phone follows it, across a restart too.
import { describe, expect, it, vi } from 'vitest'
import { FieldApp } from '../src/controller.js'
import { openDatabase } from '../src/db.js'
import { KEYS, SyncEngine } from '../src/sync.js'

const PC1 = { id: '4', callsign: 'A-PC1', type: 'patrol_car', district_id: '1' }
const INSPECTOR = { id: '9', callsign: 'A-UP2', type: 'district_inspector', district_id: '1' }

function phoneAt(answers) {
  vi.spyOn(console, 'log').mockImplementation(() => {})
  let seq = 0
  const api = {
    async pull() {
      return { changes: {}, timestamp: ++seq, has_more: false, ...answers.shift() }
    },
    async push() {
      return { results: [] }
    },
  }
  const win = { navigator: { onLine: true, languages: ['ru'] }, addEventListener() {}, setInterval() {} }
  const app = new FieldApp({ window: win })
  app.database = openDatabase({ dbName: `moved-${Math.random()}` })
  app.engine = new SyncEngine({
    database: app.database,
    api,
    timers: { setTimeout: () => 1, clearTimeout: () => {} },
    onUnit: (unit) => app._unitNow(unit),
  })
  app.store.set({ phase: 'ready', lang: 'ru', unit: PC1, deviceId: 'dev_phone' })
  return app
}

describe('the unit in the header', () => {
  it('follows the unit a new snapshot names, and is kept for the next start', async () => {
    // given: enrolled on A-PC1; the officer is moved to the district inspector's unit
    const app = phoneAt([{ experimentalStrategy: 'replacement', unit: INSPECTOR }, {}])

    // when
    await app.engine.request()

    // then
    expect(app.store.get().unit).toEqual(INSPECTOR)
    expect(await app.database.localStorage.get(KEYS.unit)).toEqual(INSPECTOR)

    // when: an incremental pull, which names no unit
    await app.engine.request()
    // then: nothing changes
    expect(app.store.get().unit).toEqual(INSPECTOR)
  })

  it('goes when the officer is taken off every unit', async () => {
    const app = phoneAt([{ experimentalStrategy: 'replacement', unit: null }])
    await app.engine.request()
    expect(app.store.get().unit).toBeNull()
    expect(await app.database.localStorage.get(KEYS.unit)).toBeNull()
  })
})
