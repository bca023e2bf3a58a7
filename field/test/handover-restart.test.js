// A phone handed over at the end of a shift and left on the table until the next officer
// picks it up: Android closes the app meanwhile, and it opened again as the first officer's —
// his calls, his device syncing, his position reported while the next officer carried it. The
// handover is kept on the phone until the next officer's code is in, or it is called off.
import { afterEach, describe, expect, it, vi } from 'vitest'
import Loki from 'lokijs'

// One phone's storage (IndexedDB in the browser) across restarts of the app.
const phoneStorage = vi.hoisted(() => ({ persistence: null }))
vi.mock('../src/db.js', async (importOriginal) => {
  const db = await importOriginal()
  const openDatabase = () =>
    db.openDatabase({ adapter: db.lokiAdapter({ dbName: 'handover-restart', _testLokiAdapter: phoneStorage.persistence }) })
  return { ...db, openDatabase }
})
const { FieldApp } = await import('../src/controller.js')
const { KEYS } = await import('../src/sync.js')
const { flush } = await import('../src/db.js')

function window() {
  return {
    navigator: { onLine: false, languages: ['ru'] },
    document: { visibilityState: 'visible', addEventListener() {} },
    location: { protocol: 'http:', host: 'kuzet.test' },
    addEventListener() {},
    setInterval() {},
  }
}

/** Officer A's phone, enrolled (his token, his unit), started. */
async function phoneOfA() {
  phoneStorage.persistence = new Loki.LokiMemoryAdapter()
  vi.spyOn(console, 'log').mockImplementation(() => {})
  const app = new FieldApp({ window: window() })
  await app.start()
  const storage = app.database.localStorage
  await storage.set(KEYS.token, 'token-a')
  await storage.set(KEYS.deviceId, 'dev_a')
  await storage.set(KEYS.officer, { id: '8', username: 'a.nurlan', language: 'ru' })
  await storage.set(KEYS.unit, { id: '4', callsign: 'A-PC1' })
  await flush(app.database)
  return app
}

async function restarted() {
  const app = new FieldApp({ window: window() })
  await app.start()
  return app
}

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

describe('a phone handed over, restarted before the next officer enrols', () => {
  it('opens on the next officer’s code, not as the first officer’s phone', async () => {
    // given
    const a = await phoneOfA()
    await a.handOver()

    // when: the app is closed and opened again
    const phone = await restarted()

    // then
    expect(phone.state.phase).toBe('enrol')
    expect(phone.state.handover).toBe(true)
    expect(phone.engine).toBeNull()
  })

  it('is the next officer’s once his code is in, and stays his through a restart', async () => {
    // given: handed over, restarted, and the next officer enrols
    vi.stubGlobal('WebSocket', class { close() {} send() {} })
    const a = await phoneOfA()
    await a.handOver()
    const phone = await restarted()
    phone.api.enroll = async () => ({
      device_id: 'dev_b', token: 'token-b', unit: { id: '4', callsign: 'A-PC1' },
      officer: { id: '9', username: 'b.serik', language: 'ru' },
    })
    expect(await phone.enrol('7KQM-3XTP-R9HD')).toEqual({ ok: true })
    phone.engine.stop()

    // when
    const again = await restarted()

    // then
    expect(again.state.phase).not.toBe('enrol')
    expect(again.state.officer.username).toBe('b.serik')
    expect(await again.database.localStorage.get(KEYS.handover)).toBeUndefined()
  })

  it('is the first officer’s again once he called the handover off', async () => {
    // given
    const a = await phoneOfA()
    await a.handOver()
    await a.cancelHandover()

    // when
    const phone = await restarted()

    // then
    expect(phone.state.handover).not.toBe(true)
    expect(phone.state.phase).not.toBe('enrol')
    expect(await phone.database.localStorage.get(KEYS.handover)).toBeUndefined()
  })
})
