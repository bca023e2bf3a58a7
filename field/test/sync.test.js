// The sync engine against a fake server, on a real WatermelonDB (LokiJS in memory: Node has
// no IndexedDB, so the adapter falls back to memory — the same code paths otherwise).
import { gunzipSync } from 'node:zlib'
import { describe, expect, it, vi } from 'vitest'
import { Api, ApiError, NetworkError } from '../src/api.js'
import { DeviceClock } from '../src/clock.js'
import { openDatabase } from '../src/db.js'
import { eventColumns, recordEvent } from '../src/events.js'
import { KEYS, POLL_MS, POLL_WITH_SOCKET_MS, SyncEngine } from '../src/sync.js'

let dbCounter = 0
const newDb = () => {
  vi.spyOn(console, 'log').mockImplementation(() => {})
  return openDatabase({ dbName: `test-${++dbCounter}` })
}
const empty = () => ({ events: { created: [], updated: [], deleted: [] } })
const table = (updated = [], deleted = []) => ({ created: [], updated, deleted })
const assignment = (id, status = 'dispatched') => ({
  id, incident_id: `i${id}`, unit_id: '1', status, dispatched_at: 1000, delivered_at: null, acknowledged_at: null,
  en_route_at: null, on_scene_at: null, transporting_at: null, cleared_at: null, cancelled_at: null, cancel_reason: '',
  superseded_at: null, closed_at: null, ack_due_at: null, arrive_due_at: null,
})

/** A fake server: pull pages from a queue, push answers every record accepted/applied. */
function fakeApi({ pages = [], push } = {}) {
  const calls = []
  return {
    calls,
    async pull(lastPulledAt) {
      calls.push(['pull', lastPulledAt])
      const page = pages.shift()
      if (page instanceof Error) throw page
      return page ?? { changes: empty(), timestamp: (lastPulledAt ?? 0) + 1, has_more: false }
    },
    async push(events, lastPulledAt) {
      calls.push(['push', events.map((e) => e.kind), lastPulledAt])
      if (push) return push(events)
      return { results: events.map((e) => ({ id: e.id, status: 'accepted', disposition: 'applied' })) }
    },
  }
}
const noTimers = { setTimeout: () => 1, clearTimeout: () => {} }
const engineFor = (database, api, over = {}) => new SyncEngine({ database, api, timers: noTimers, ...over })
const clock = new DeviceClock({ now: () => 1_795_154_460_000, elapsed: () => 5_460_000 })
const record = (database, kind, assignmentId = '1', payload = {}) =>
  recordEvent(database, eventColumns({ kind, assignmentId, payload, clock, now: 0 }))
const fetchAll = async (database, name) => (await database.get(name).query().fetch()).map((r) => r._raw)

describe('sync engine', () => {
  it('looks for calls within two minutes again once the socket is gone, not in the ten planned while it was open', async () => {
    // given: the socket open, the next pull planned in 10 minutes
    const planned = []
    const timers = { setTimeout: (fn, ms) => planned.push(ms) && planned.length, clearTimeout: () => {} }
    const engine = engineFor(newDb(), fakeApi(), { timers, now: () => 0 })
    engine.setSocketOpen(true)
    expect(planned).toEqual([POLL_WITH_SOCKET_MS])

    // when: the socket drops (or was found dead)
    engine.setSocketOpen(false)

    // then
    expect(planned).toEqual([POLL_WITH_SOCKET_MS, POLL_MS])
  })

  it('takes a snapshot, pages while has_more, then pushes the outbox and pulls to confirm', async () => {
    // given
    const database = newDb()
    const api = fakeApi({
      pages: [
        { changes: { ...empty(), assignments: table([assignment('1')]) }, timestamp: 5, has_more: true, experimentalStrategy: 'replacement' },
        { changes: { ...empty(), assignments: table([assignment('2')]) }, timestamp: 9, has_more: false },
      ],
    })
    const engine = engineFor(database, api)
    await engine.request()
    const ack = await record(database, 'ack')

    // when
    await engine.request()

    // then
    expect(api.calls).toEqual([
      ['pull', null], ['pull', 5], // snapshot page, continuation
      ['pull', 9], ['push', ['ack'], 10], ['pull', 10], // round with a push, confirming pull
    ])
    expect((await fetchAll(database, 'assignments')).map((a) => a.id).sort()).toEqual(['1', '2'])
    const events = await fetchAll(database, 'events')
    expect(events.map((e) => [e.id, e._status])).toEqual([[ack.id, 'synced']])
    const answers = await database.localStorage.get(KEYS.answers)
    expect(answers[ack.id]).toMatchObject({ status: 'accepted', disposition: 'applied', kind: 'ack', assignment_id: '1' })
    expect(engine.state).toMatchObject({ problem: null, syncing: false, reachable: true })
    expect(engine.state.lastSyncOk).toBeTypeOf('number')
  })

  it('pushes exactly the device columns of each event', async () => {
    // given
    const database = newDb()
    const sent = []
    const api = fakeApi({ push: (events) => { sent.push(...events); return { results: [] } } })
    const engine = engineFor(database, api)
    const note = await record(database, 'note', '1', { text: 'Дверь закрыта' })

    // when
    await engine.request()

    // then
    expect(sent).toEqual([{
      id: note.id, kind: 'note', assignment_id: '1', device_time: 1_795_154_460_000, boot_id: clock.bootId,
      elapsed_ms: 5_460_000, lat: null, lon: null, accuracy_m: null, gps_time: null, payload: '{"text":"Дверь закрыта"}',
    }])
  })

  it('keeps unpushed events through a replacement snapshot and when the push fails', async () => {
    // given
    const database = newDb()
    const api = fakeApi({
      pages: [{ changes: { ...empty(), assignments: table([assignment('1')]) }, timestamp: 3, has_more: false, experimentalStrategy: 'replacement' }],
      push: () => { throw new NetworkError('no coverage') },
    })
    const engine = engineFor(database, api, { random: () => 1 })
    const ack = await record(database, 'ack')

    // when
    const ok = await engine._syncOnce()

    // then
    expect(ok).toBe(false)
    expect((await fetchAll(database, 'events')).map((e) => [e.id, e._status])).toEqual([[ack.id, 'created']])
    expect(engine.state).toMatchObject({ problem: 'offline', reachable: false })
    expect(engine.state.nextRetryAt - Date.now()).toBeGreaterThan(500)
  })

  it('does not send a rejected event again and keeps why it was refused', async () => {
    // given
    const database = newDb()
    const api = fakeApi({ push: (events) => ({ results: events.map((e) => ({ id: e.id, status: 'rejected', reason: 'unknown_assignment', detail: 'no such assignment' })) }) })
    const engine = engineFor(database, api)
    const ack = await record(database, 'ack', '404')

    // when
    await engine.request()
    await engine.request()

    // then
    expect(api.calls.filter((c) => c[0] === 'push')).toHaveLength(1)
    const answers = await database.localStorage.get(KEYS.answers)
    expect(answers[ack.id]).toMatchObject({ status: 'rejected', reason: 'unknown_assignment', kind: 'ack', assignment_id: '404' })
  })

  it('retries after the server’s Retry-After on 429 and backs off on 5xx', async () => {
    // given
    const database = newDb()
    const api = fakeApi({ pages: [new ApiError(429, 'rate_limited', 'slow down', {}, '42'), new ApiError(503, 'server_error', '')] })
    const engine = engineFor(database, api, { random: () => 1, now: () => 0 })

    // when
    await engine.request()
    const first = engine.state.nextRetryAt
    await engine.request()

    // then
    expect(first).toBe(42_000)
    expect(engine.state).toMatchObject({ problem: 'server', nextRetryAt: 2000 })
  })

  it('wipes every local record and key when the device was revoked, keeping the install id', async () => {
    // given
    const database = newDb()
    await database.localStorage.set(KEYS.installId, 'web-install')
    await database.localStorage.set(KEYS.token, 'secret-token')
    const api = fakeApi({ pages: [{ changes: { ...empty(), assignments: table([assignment('1')]) }, timestamp: 2, has_more: false }] })
    const engine = engineFor(database, api)
    await engine.request()
    await record(database, 'note', '1', { text: 'x' })
    api.pull = async () => { throw new ApiError(401, 'device_revoked', 'erase', { wipe: true }) }

    // when
    await engine.request()

    // then
    expect(engine.state.problem).toBe('revoked')
    expect(await fetchAll(database, 'assignments')).toEqual([])
    expect(await fetchAll(database, 'events')).toEqual([])
    expect(await database.localStorage.get(KEYS.token)).toBeUndefined()
    expect(await database.localStorage.get(KEYS.installId)).toBe('web-install')
    expect(await database.localStorage.get(KEYS.revokedNotice)).toBe(true)
  })

  it('shows a socket frame at once and pulls when its cursor is ahead', async () => {
    // given
    const database = newDb()
    const api = fakeApi()
    const engine = engineFor(database, api)
    await engine.request() // cursor 1

    // when
    await engine.applyFrame({ assignments: table([assignment('8', 'cancelled')]) }, 7)

    // then
    expect((await fetchAll(database, 'assignments')).map((a) => [a.id, a.status, a._status])).toEqual([['8', 'cancelled', 'synced']])
    expect(api.calls).toEqual([['pull', null], ['pull', 1]])
  })

  it('does not put back with a late socket frame what a pull past its commit brought', async () => {
    // given: the frame of the crew's "on scene" (commit 5) waits behind a pull that brought
    // the same assignment as it is now, the desk's safety check open on it (cursor 6)
    const database = newDb()
    const checked = { ...assignment('8', 'on_scene'), safety_check_at: 1_795_154_000_000 }
    const api = fakeApi({ pages: [{ changes: { assignments: table([checked]) }, timestamp: 6, has_more: false }] })
    const engine = engineFor(database, api)
    await engine.request()

    // when: the frame is handled after the pull
    await engine.applyFrame({ assignments: table([{ ...assignment('8', 'on_scene'), safety_check_at: null }]) }, 5)

    // then: the phone keeps the check, and no pull is made for a frame behind the cursor
    expect((await fetchAll(database, 'assignments')).map((a) => [a.id, a.safety_check_at])).toEqual([['8', 1_795_154_000_000]])
    expect(api.calls).toEqual([['pull', null]])
  })
})

describe('HTTP requests', () => {
  function fakeFetch(status, body, headers = {}) {
    const requests = []
    const fetchImpl = async (url, init) => {
      requests.push({ url, init })
      return { ok: status < 400, status, text: async () => JSON.stringify(body), headers: { get: (name) => headers[name] ?? null } }
    }
    return { requests, fetchImpl }
  }

  it('sends the token, the device clock and the protocol schema version', async () => {
    // given
    const { requests, fetchImpl } = fakeFetch(200, { changes: {}, timestamp: 4, has_more: false, server_time: 9 })
    const api = new Api({ clock, getToken: async () => 'tok', fetchImpl })

    // when
    await api.pull(null)

    // then
    const { url, init } = requests[0]
    expect(url).toBe('/api/sync/v1/pull?last_pulled_at=null&schema_version=4')
    expect(init.headers.Authorization).toBe('Device tok')
    expect(init.headers['X-Device-Clock']).toBe(`1795154460000;${clock.bootId};5460000`)
    expect(api.lastServerTime).toBe(9)
  })

  it('gzips a large push body', async () => {
    // given
    const { requests, fetchImpl } = fakeFetch(200, { results: [] })
    const api = new Api({ clock, getToken: async () => 'tok', fetchImpl, compress: true })
    const events = Array.from({ length: 20 }, (_, i) => ({ id: `event-${i}`.padEnd(16, 'x'), kind: 'note', payload: '{"text":"road flooded"}' }))

    // when
    await api.push(events, 12)

    // then
    const { url, init } = requests[0]
    expect(url).toBe('/api/sync/v1/push?last_pulled_at=12')
    expect(init.headers['Content-Encoding']).toBe('gzip')
    const body = JSON.parse(gunzipSync(Buffer.from(init.body)).toString())
    expect(body).toEqual({ changes: { events: { created: events, updated: [], deleted: [] } }, lastPulledAt: 12 })
  })

  it('turns error bodies into ApiError and no answer into NetworkError', async () => {
    // given
    const refused = new Api({ clock, getToken: async () => 't', fetchImpl: fakeFetch(401, { error: 'device_revoked', detail: 'erase', wipe: true }).fetchImpl })
    const unreachable = new Api({ clock, getToken: async () => 't', fetchImpl: async () => { throw new TypeError('Failed to fetch') } })

    // then
    await expect(refused.pull(3)).rejects.toMatchObject({ name: 'ApiError', status: 401, code: 'device_revoked' })
    await expect(unreachable.pull(3)).rejects.toBeInstanceOf(NetworkError)
  })
})
