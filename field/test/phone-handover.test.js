// "Hand this phone over" (docs/field-app.md, protocol.md §1): the officer ending his shift
// sends his outbox first; with facts that could not go the phone says how many and hands
// over only when he says so; the next officer's enrolment carries the old token (the proof
// that hands the install over), switches to the new one and sends the kept facts under it;
// and a late 401 device_revoked for the old token — a request in flight at the handover —
// must not erase the new enrolment (it erased the phone: the new token, the facts not sent).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Api } from '../src/api.js'
import { t } from '../src/i18n.js'
import { KEYS, SyncEngine } from '../src/sync.js'
import { testPhone } from './phone-harness.js'

const OFFICER_B = { id: '9', username: 'b.serik', first_name: 'Серік', last_name: 'Бекұлы', language: 'kk' }
const UNIT = { id: '4', callsign: 'A-PC1', type: 'patrol', district_id: '1' }

function answer(status, body) {
  return { ok: status < 400, status, text: async () => JSON.stringify(body), headers: { get: () => null } }
}

/** The sync API at the fetch level: every request with the token it carried; pulls held
 * open while ``holdPulls`` (answered later through ``held``); no answer at all offline. */
function fakeServer() {
  let seq = 0
  const server = { online: true, holdPulls: false, held: [], requests: [], pushed: [] }
  server.fetchImpl = async (url, init) => {
    const auth = init.headers.Authorization ?? null
    server.requests.push({ url, auth })
    if (!server.online) throw new TypeError('Failed to fetch')
    if (url.includes('/enroll')) {
      return answer(201, { device_id: 'dev_b', token: 'token-b', officer: OFFICER_B, unit: UNIT, server_time: 1 })
    }
    if (url.includes('/pull')) {
      if (server.holdPulls) return new Promise((resolve) => server.held.push(resolve))
      return answer(200, { changes: { events: { created: [], updated: [], deleted: [] } }, timestamp: ++seq, has_more: false })
    }
    if (url.includes('/push')) {
      const events = JSON.parse(init.body).changes.events.created
      server.pushed.push(...events.map((e) => ({ id: e.id, auth })))
      return answer(200, { results: events.map((e) => ({ id: e.id, status: 'accepted', disposition: 'recorded' })) })
    }
    return answer(404, { error: 'not_found', detail: url })
  }
  return server
}

class FakeWebSocket {
  static made = []
  constructor(url, protocols) {
    Object.assign(this, { url, protocols, readyState: 0 })
    FakeWebSocket.made.push(this)
  }
  send() {}
  close() {
    this.readyState = 3
  }
}

/** Officer A's phone, enrolled (token-a) and running on ``server``. */
async function phoneOfA(server) {
  vi.stubGlobal('WebSocket', FakeWebSocket)
  const { app } = await testPhone(null, { lang: 'kk' })
  app.window.location = { protocol: 'https:', host: 'kuzet.test' }
  app.api = new Api({ clock: app.clock, getToken: async () => app._token, fetchImpl: server.fetchImpl, compress: false })
  const storage = app.database.localStorage
  await storage.set(KEYS.installId, 'web-abc')
  await storage.set(KEYS.token, 'token-a')
  app._token = 'token-a'
  await app._run()
  await app.engine.request()
  return app
}

async function outbox(app) {
  const events = await app.database.get('events').query().fetch()
  return events.filter((e) => e._raw._status === 'created').map((e) => e.id)
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('handing a phone over to the next officer', () => {
  it('sends the outbox first, then shows the enrol screen still holding the token', async () => {
    // given: a fact recorded in a white spot, the network back since
    const server = fakeServer()
    const app = await phoneOfA(server)
    server.online = false
    const fact = await app.note('a1', 'Келдім')
    await app.engine.request()
    server.online = true
    const socket = app.socket

    // when
    const result = await app.prepareHandover()

    // then
    expect(result).toEqual({ unsent: 0 })
    expect(server.pushed).toEqual([{ id: fact.id, auth: 'Device token-a' }])
    expect(await outbox(app)).toEqual([])
    expect(app.state.phase).toBe('enrol')
    expect(app.state.handover).toBe(true)
    expect(app._token).toBe('token-a')
    expect(await app.database.localStorage.get(KEYS.token)).toBe('token-a')
    expect(socket._stopped).toBe(true)
    expect(app.engine._stopped).toBe(true)
  })

  it('says how many facts are not sent and hands over keeping them only when told', async () => {
    // given: no coverage
    const server = fakeServer()
    const app = await phoneOfA(server)
    server.online = false
    const fact = await app.note('a1', 'Келдім')

    // when
    const result = await app.prepareHandover()

    // then: nothing changed
    expect(result).toEqual({ unsent: 1 })
    expect(t('en', 'handover_unsent', { n: result.unsent })).toBe('Facts not sent yet: 1. Connect and try again.')
    expect(app.state.phase).toBe('ready')
    expect(app.state.handover).toBe(false)
    expect(app.state.handoverUnsent).toBe(1)
    expect(await outbox(app)).toEqual([fact.id])

    // when: the officer hands over anyway
    app.handOver()

    // then
    expect(app.state.phase).toBe('enrol')
    expect(await outbox(app)).toEqual([fact.id])
    expect(app._token).toBe('token-a')
  })

  it('enrols the next officer with the old token, then sends the kept facts under the new one', async () => {
    // given: handed over with one fact unsent
    const server = fakeServer()
    const app = await phoneOfA(server)
    server.online = false
    const fact = await app.note('a1', 'Келдім')
    await app.prepareHandover()
    app.handOver()
    server.online = true

    // when
    const result = await app.enrol('7KQM-3XTP-R9HD')
    await app.engine.request()

    // then
    expect(result).toEqual({ ok: true })
    const enrolment = server.requests.filter((r) => r.url.endsWith('/enroll'))
    expect(enrolment).toEqual([{ url: '/api/sync/v1/enroll', auth: 'Device token-a' }])
    expect(app._token).toBe('token-b')
    expect(await app.database.localStorage.get(KEYS.token)).toBe('token-b')
    expect(app.state.officer).toEqual(OFFICER_B)
    expect(app.state.phase).toBe('ready')
    expect(app.state.handover).toBe(false)
    expect(server.pushed).toEqual([{ id: fact.id, auth: 'Device token-b' }])
    expect(await outbox(app)).toEqual([])
  })

  it('starts the next officer off duty and in his own language', async () => {
    // given: officer A on duty, reading in Russian, hands over
    const server = fakeServer()
    const app = await phoneOfA(server)
    await app.setOnDuty(true)
    await app.setLanguage('ru')
    await app.prepareHandover()

    // when: officer B (Kazakh in his profile) enrols
    await app.enrol('7KQM-3XTP-R9HD')

    // then
    expect(app.state.onDuty).toBe(false)
    expect(await app.database.localStorage.get(KEYS.onDuty)).toBe(false)
    expect(app.state.lang).toBe('kk')
  })

  it('cancelled, leaves the phone as it was', async () => {
    // given
    const server = fakeServer()
    const app = await phoneOfA(server)
    await app.prepareHandover()

    // when
    await app.cancelHandover()
    await app.engine.request()

    // then
    expect(app.state.phase).toBe('ready')
    expect(app.state.handover).toBe(false)
    expect(app._token).toBe('token-a')
    expect(app.socket._stopped).toBe(false)
    expect(server.requests.at(-1).auth).toBe('Device token-a')
  })

  it('ignores a late device_revoked for the old token once the next officer is enrolled', async () => {
    // given: a pull sent with A's token, still unanswered when the phone is handed over
    const server = fakeServer()
    const app = await phoneOfA(server)
    const oldSocket = app.socket
    server.holdPulls = true
    const inFlight = app.engine.request()
    await vi.waitFor(() => expect(server.held).toHaveLength(1))
    app.handOver()
    server.holdPulls = false
    expect(await app.enrol('7KQM-3XTP-R9HD')).toEqual({ ok: true })
    await app.engine.request()
    const fact = await app.note('a1', 'Ауысымды қабылдадым')
    server.online = false

    // when: the old device's end reaches the phone, by the pull and by the old socket
    server.held[0](answer(401, { error: 'device_revoked', detail: 'This device was revoked.', wipe: true }))
    await inFlight
    const wipe = vi.spyOn(app.engine, 'wipe')
    oldSocket.onRevoked()

    // then: B's enrolment and the fact not yet sent are all there
    expect(app.state.phase).toBe('ready')
    expect(app._token).toBe('token-b')
    expect(await app.database.localStorage.get(KEYS.token)).toBe('token-b')
    expect(await app.database.localStorage.get(KEYS.revokedNotice)).toBeUndefined()
    expect(await outbox(app)).toEqual([fact.id])
    expect(app.engine.state.problem).not.toBe('revoked')
    expect(wipe).not.toHaveBeenCalled()
  })

  it('a sync engine acts on no 401 answering a token the phone no longer holds', async () => {
    // given: an engine still running, its pull sent with token-a, the phone on token-b since
    const server = fakeServer()
    const { app } = await testPhone(null, { lang: 'kk' })
    let token = 'token-a'
    const api = new Api({ clock: app.clock, getToken: async () => token, fetchImpl: server.fetchImpl, compress: false })
    const engine = new SyncEngine({
      database: app.database,
      api,
      isCurrentToken: (t) => t === token,
      timers: { setTimeout: () => 1, clearTimeout: () => {} },
    })
    await app.database.localStorage.set(KEYS.token, 'token-b')
    server.holdPulls = true
    const sync = engine.request()
    await vi.waitFor(() => expect(server.held).toHaveLength(1))
    token = 'token-b'

    // when
    server.held[0](answer(401, { error: 'device_revoked', detail: 'This device was revoked.', wipe: true }))
    await sync

    // then
    expect(server.requests[0].auth).toBe('Device token-a')
    expect(engine.state.problem).toBe(null)
    expect(await app.database.localStorage.get(KEYS.token)).toBe('token-b')
    expect(await app.database.localStorage.get(KEYS.revokedNotice)).toBeUndefined()
  })
})
