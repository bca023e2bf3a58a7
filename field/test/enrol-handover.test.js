// Enrolling a phone that still holds a token (docs/protocol.md §1): the server hands an
// install that is another officer's live device over only when the request carries that
// device's token, so the app sends the one it holds. A refusal (409 install_in_use) reads in
// the officer's language and leaves the phone as it was: its token, and its facts not yet
// sent, are kept.
import { describe, expect, it, vi } from 'vitest'
import { Api, ApiError } from '../src/api.js'
import { DeviceClock } from '../src/clock.js'
import { FieldApp } from '../src/controller.js'
import { openDatabase } from '../src/db.js'
import { recordEvent } from '../src/events.js'
import { t } from '../src/i18n.js'
import { KEYS } from '../src/sync.js'

const clock = new DeviceClock({ now: () => 1_795_154_460_000, elapsed: () => 5_460_000 })
const DEVICE = { platform: 'web', model: 'Linux', app_version: '1.0.0', install_id: 'web-abc' }

function fakeFetch(status, body) {
  const requests = []
  const fetchImpl = async (url, init) => {
    requests.push({ url, init })
    return { ok: status < 400, status, text: async () => JSON.stringify(body), headers: { get: () => null } }
  }
  return { requests, fetchImpl }
}

describe('enrolment on a phone that holds a token', () => {
  it("sends the token the phone holds, and none when it holds none", async () => {
    // given
    const { requests, fetchImpl } = fakeFetch(201, { device_id: 'dev_b', token: 'new', server_time: 1 })
    const holding = new Api({ clock, getToken: async () => 'old-token', fetchImpl })
    const fresh = new Api({ clock, getToken: async () => null, fetchImpl })

    // when
    await holding.enroll('7KQM-3XTP-R9HD', DEVICE)
    await fresh.enroll('7KQM-3XTP-R9HD', DEVICE)

    // then
    expect(requests.map((r) => r.url)).toEqual(['/api/sync/v1/enroll', '/api/sync/v1/enroll'])
    expect(requests[0].init.headers.Authorization).toBe('Device old-token')
    expect(requests[1].init.headers).not.toHaveProperty('Authorization')
    expect(JSON.parse(requests[0].init.body)).toEqual({ code: '7KQM-3XTP-R9HD', device: DEVICE })
  })

  it('says the phone is another officer’s when the server refuses, and keeps its token and outbox', async () => {
    // given: a phone whose token the server no longer knows, one fact still unsent
    vi.spyOn(console, 'log').mockImplementation(() => {})
    const win = { navigator: { onLine: true, languages: ['kk'], platform: 'Linux' }, addEventListener() {}, setInterval() {} }
    const app = new FieldApp({ window: win })
    app.database = openDatabase({ dbName: `handover-${Math.random()}` })
    const storage = app.database.localStorage
    await storage.set(KEYS.installId, 'web-abc')
    await storage.set(KEYS.token, 'old-token')
    app._token = 'old-token'
    const unsent = await recordEvent(app.database, { kind: 'note', assignment_id: 'a1', payload: '{}' })
    const sent = []
    app.api = {
      async enroll(code, device) {
        sent.push({ code, device })
        throw new ApiError(409, 'install_in_use', 'This app install is enrolled for another officer; …')
      },
    }
    app.store.set({ phase: 'enrol', lang: 'kk' })

    // when
    const result = await app.enrol('7KQM-3XTP-R9HD')

    // then
    expect(result).toEqual({ ok: false, key: 'enrol_install_in_use' })
    expect(t('en', result.key)).toBe('This phone is enrolled for another officer. Ask the duty desk to revoke that device first.')
    expect(sent[0].device.install_id).toBe('web-abc')
    expect(await storage.get(KEYS.token)).toBe('old-token')
    const outbox = await app.database.get('events').query().fetch()
    expect(outbox.map((e) => [e.id, e._raw._status])).toEqual([[unsent.id, 'created']])
    expect(app.store.get().phase).toBe('enrol')
  })
  it('erases what a revoked token left on the phone, then enrols the next officer with the same code', async () => {
    // given: a phone handed over holding officer A's token, which the desk revoked while the
    // phone was out of coverage, and a fact of A's still unsent
    vi.spyOn(console, 'log').mockImplementation(() => {})
    const win = { navigator: { onLine: true, languages: ['ru'], platform: 'Linux' }, addEventListener() {}, setInterval() {} }
    const app = new FieldApp({ window: win })
    app.database = openDatabase({ dbName: `revoked-${Math.random()}` })
    const storage = app.database.localStorage
    await storage.set(KEYS.installId, 'web-abc')
    await storage.set(KEYS.token, 'revoked-token')
    app._token = 'revoked-token'
    await recordEvent(app.database, { kind: 'note', assignment_id: 'a1', payload: '{}' })
    const sent = []
    app.api = {
      async enroll(code, device) {
        sent.push({ code, device, token: app._token })
        if (app._token) throw new ApiError(401, 'device_revoked', 'This device was revoked; erase local case data.')
        return { device_id: 'dev_b', token: 'token-b', officer: { id: '9', language: 'ru' }, unit: null, server_time: 1 }
      },
    }
    app._run = async () => {}
    app.store.set({ phase: 'enrol', handover: true, lang: 'ru' })

    // when
    const result = await app.enrol('7KQM-3XTP-R9HD')

    // then: the code went again without the token; A's fact is gone, B's token kept, the
    // install the same — and it did not read "the code is unknown"
    expect(result).toEqual({ ok: true })
    expect(sent.map((r) => [r.code, r.token, r.device.install_id])).toEqual([
      ['7KQM-3XTP-R9HD', 'revoked-token', 'web-abc'],
      ['7KQM-3XTP-R9HD', null, 'web-abc'],
    ])
    expect(await app.database.get('events').query().fetch()).toEqual([])
    expect(await storage.get(KEYS.token)).toBe('token-b')
    expect(await storage.get(KEYS.installId)).toBe('web-abc')
    expect(await storage.get(KEYS.revokedNotice)).toBeFalsy()
    expect(app.store.get().phase).not.toBe('revoked')
  })
})
