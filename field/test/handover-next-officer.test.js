// What the next officer finds on a phone handed over to him (docs/field-app.md, *Handing a
// phone over*). The phone kept what its first officer had seen and answered: the unit's calls
// he had opened showed the next officer no alert, the desk's message he had read never
// alerted, the safety check he had said "I'm OK" to stayed quiet, opening the call sent the
// desk no receipt of the next officer's, the server's refusal of his outcome read as the next
// officer's, and the next officer's first position waited behind his colleague's last. The
// facts the first officer had not sent stay and go (protocol.md §1, *The outbox on a handover*).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { NetworkError } from '../src/api.js'
import { KEYS } from '../src/sync.js'
import { refusedOutcome } from '../src/ui/Calls.jsx'
import { testPhone } from './phone-harness.js'

const minute = 60_000
const OFFICER_B = { id: '9', username: 'b.serik', first_name: 'Серік', last_name: 'Бекұлы', language: 'ru' }
const UNIT = { id: '4', callsign: 'A-PC1', type: 'patrol', district_id: '1' }

const call = (id) => ({
  id, number: `1010-2026-00005${id}`, channel: 'phone_102', category: 'violence', priority: 'P1',
  status: 'active', received_at: Date.now() - 30 * minute, district_id: '1', settlement_id: null,
  landmark: 'ул. Абая, 12', summary: 'Драка во дворе', risk_flags: '[]',
})
const onScene = () => ({
  id: '7', incident_id: '3', unit_id: '4', status: 'on_scene', dispatched_at: Date.now() - 25 * minute,
  acknowledged_at: Date.now() - 24 * minute, en_route_at: Date.now() - 23 * minute, on_scene_at: Date.now() - 15 * minute,
})
const sentNow = () => ({ id: '8', incident_id: '5', unit_id: '4', status: 'delivered', dispatched_at: Date.now() - 2 * minute, delivered_at: Date.now() - minute })
const deskNote = (id, text, at) => ({
  id, kind: 'note', source: 'desk', assignment_id: '7', incident_id: '3', unit_id: '4',
  payload: JSON.stringify({ text }), server_received_at: at, estimated_at: at, disposition: 'recorded',
})

/** The sync API of the unit's records: a pushed fact comes back on the next pull as the
 * server's copy under the device that sent it (unless its kind is in ``refuse``: refused,
 * quarantined, never pulled); the first pull after an enrolment is a replacement snapshot. */
function unitServer() {
  let seq = 0
  const state = { assignments: [], incidents: [], events: [], online: true, device: 'dev_a', refuse: new Set(), replace: false }
  const pushed = []
  const api = {
    async enroll() {
      Object.assign(state, { device: 'dev_b', replace: true })
      return { device_id: 'dev_b', token: 'token-b', officer: OFFICER_B, unit: UNIT, server_time: Date.now() }
    },
    async pull() {
      if (!state.online) throw new NetworkError('offline')
      const body = {
        changes: {
          assignments: { created: [], updated: state.assignments, deleted: [] },
          incidents: { created: [], updated: state.incidents, deleted: [] },
          events: { created: [], updated: state.events, deleted: [] },
        },
        timestamp: ++seq,
        has_more: false,
      }
      if (state.replace) body.experimentalStrategy = 'replacement'
      state.replace = false
      return body
    },
    async push(events) {
      if (!state.online) throw new NetworkError('offline')
      const results = events.map((e) => {
        pushed.push({ ...e, device: state.device })
        if (state.refuse.has(e.kind)) return { id: e.id, status: 'rejected', reason: 'invalid_payload', detail: 'refused' }
        const at = Date.now()
        state.events.push({ ...e, device_id: state.device, source: 'app', disposition: 'recorded', server_received_at: at, estimated_at: at })
        return { id: e.id, status: 'accepted', disposition: 'recorded' }
      })
      return { results }
    },
  }
  return { state, api, pushed }
}

class FakeWebSocket {
  constructor() {
    this.readyState = 0
  }
  send() {}
  close() {
    this.readyState = 3
  }
}

/** Officer A's phone, running on ``api``, its unit on call 7 (on scene, a message from the
 * desk, the desk's safety check open) and just sent call 8. */
async function phoneOfA(server) {
  vi.stubGlobal('WebSocket', FakeWebSocket)
  const phone = await testPhone(server.api, { lang: 'ru' })
  const { app } = phone
  app.api = server.api
  app.window.location = { protocol: 'https:', host: 'kuzet.test' }
  app.store.set({ deviceId: 'dev_a' })
  server.state.incidents = [call('3'), call('5')]
  server.state.assignments = [{ ...onScene(), safety_check_at: Date.now() - minute }, sentNow()]
  server.state.events = [deskNote('srv_n1', 'У него нож', Date.now() - 5 * minute)]
  await phone.sync()
  return phone
}

/** A looks at everything, answers the check and records an outcome the server refuses. */
async function aSeesAndAnswersAll({ app, sync }, server) {
  server.state.refuse.add('outcome')
  await app.seeCall('7')
  await app.seeCall('8')
  await app.answerSafetyCheck('7', server.state.assignments[0].safety_check_at)
  await app.outcome('7', { code: 'warned' })
  await sync()
  await sync()
}

/** The phone handed over to officer B, enrolled and synced. */
async function handOverToB({ app, sync }) {
  const { unsent } = await app.prepareHandover()
  if (unsent) app.handOver()
  expect(await app.enrol('7KQM-3XTP-R9HD')).toEqual({ ok: true })
  await sync()
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('a phone handed over to the next officer', () => {
  it('alerts him to the unit’s calls as if the phone were new to them, and rings', async () => {
    // given: officer A has opened both calls, read the desk's message and said "I'm OK"
    const server = unitServer()
    const phone = await phoneOfA(server)
    await aSeesAndAnswersAll(phone, server)
    expect(phone.app.state.alerts).toEqual([])
    phone.rung.length = 0

    // when: the phone is handed over, the desk's check still open (the server's sweep closes it)
    await handOverToB(phone)

    // then
    expect(phone.app.state.alerts).toEqual([
      { assignmentId: '7', kind: 'safety', priority: 'P1', checkAt: server.state.assignments[0].safety_check_at },
      { assignmentId: '7', kind: 'message', priority: 'P1', eventId: 'srv_n1', count: 1 },
      { assignmentId: '8', kind: 'new', priority: 'P1' },
    ])
    expect(phone.rung).toEqual(['safety'])
    expect(await phone.app.database.localStorage.get(KEYS.safetyAnswered)).toBeUndefined()
  })

  it('receipts the desk’s message when he opens the call, and takes his own "I’m OK"', async () => {
    // given
    const server = unitServer()
    const phone = await phoneOfA(server)
    await aSeesAndAnswersAll(phone, server)
    await handOverToB(phone)

    // when
    await phone.app.seeCall('7')
    const ok = await phone.app.answerSafetyCheck('7', server.state.assignments[0].safety_check_at)
    await phone.sync()

    // then: the desk has a receipt and an "I'm OK" from each officer, each under his device
    const from = (kind) => server.pushed.filter((e) => e.kind === kind).map((e) => [e.device, JSON.parse(e.payload)])
    expect(from('read')).toEqual([['dev_a', { event_id: 'srv_n1' }], ['dev_b', { event_id: 'srv_n1' }]])
    expect(ok).not.toBe(null)
    expect(from('note').map(([device]) => device)).toEqual(['dev_a', 'dev_b'])
    expect(phone.app.state.alerts).toEqual([{ assignmentId: '8', kind: 'new', priority: 'P1' }])
  })

  it('shows him none of the server’s answers to his colleague’s facts', async () => {
    // given: A's outcome refused by the server
    const server = unitServer()
    const phone = await phoneOfA(server)
    await aSeesAndAnswersAll(phone, server)
    const assignment = phone.app.state.data.assignments.find((a) => a.id === '7')
    expect(refusedOutcome(phone.app.state, assignment)).not.toBe(null)

    // when: handed over (B's snapshot replaces what the phone held: the refused outcome goes)
    await handOverToB(phone)

    // then
    expect(refusedOutcome(phone.app.state, assignment)).toBe(null)
    expect(phone.app.state.answers).toEqual({})
    expect(await phone.app.database.localStorage.get(KEYS.answers)).toBeUndefined()
  })

  it('keeps and sends the facts his colleague handed over unsent, and their answers are his', async () => {
    // given: A's note recorded out of coverage, handed over anyway
    const server = unitServer()
    const phone = await phoneOfA(server)
    await aSeesAndAnswersAll(phone, server)
    server.state.online = false
    const kept = await phone.app.note('7', 'Свидетель ушёл')
    expect(await phone.app.prepareHandover()).toEqual({ unsent: 1 })
    phone.app.handOver()
    server.state.online = true

    // when
    expect(await phone.app.enrol('7KQM-3XTP-R9HD')).toEqual({ ok: true })
    await phone.sync()

    // then
    expect(server.pushed.filter((e) => e.id === kept.id).map((e) => e.device)).toEqual(['dev_b'])
    expect(phone.app.state.answers).toEqual({ [kept.id]: expect.objectContaining({ status: 'accepted' }) })
  })

  it('reports his first position on duty at once, not behind his colleague’s last', async () => {
    // given: A on duty, his position reported a moment ago
    const server = unitServer()
    const phone = await phoneOfA(server)
    const { app } = phone
    const here = (at) => ({ coords: { latitude: 47.1, longitude: 51.9, accuracy: 20 }, timestamp: at })
    await app.setOnDuty(true)
    await app._fix(here(Date.now()), { report: true })
    await handOverToB(phone)

    // when: B, at the same spot a few seconds later, says he is on duty
    await app.setOnDuty(true)
    await app._fix(here(Date.now() + 5_000), { report: true })
    await phone.sync()

    // then
    expect(server.pushed.filter((e) => e.kind === 'location').map((e) => e.device)).toEqual(['dev_a', 'dev_b'])
  })
})
