// @vitest-environment happy-dom
// Read receipts for the duty desk's messages (docs/protocol.md §4, kind `read`): the officer
// opens the call, or taps the message's alert, and the phone records that he read the desk's
// messages up to the latest one — once per opening that shows him a new message, never when
// there is none, kept in the outbox through a white spot and a restart, pushed when the phone
// is back. Before, "sent" was all the desk ever knew.
import { describe, expect, it } from 'vitest'
import { fakeServer as server, testPhone } from './phone-harness.js'

const minute = 60_000

const call = () => ({
  id: '3', number: '1010-2026-000051', channel: 'phone_102', category: 'violence', priority: 'P1',
  status: 'active', received_at: Date.now() - 10 * minute, district_id: '1', settlement_id: null,
  landmark: 'ул. Абая, 12', summary: 'Драка во дворе', risk_flags: '[]',
})
const onTheWay = () => ({
  id: '7', incident_id: '3', unit_id: '4', status: 'en_route', dispatched_at: Date.now() - 8 * minute,
  acknowledged_at: Date.now() - 7 * minute, en_route_at: Date.now() - 6 * minute,
})
const deskNote = (id, text, at) => ({
  id, kind: 'note', source: 'desk', assignment_id: '7', incident_id: '3', unit_id: '4',
  payload: JSON.stringify({ text }), server_received_at: at, estimated_at: at, disposition: 'recorded',
})

const receipts = async (app) =>
  (await app.database.get('events').query().fetch()).map((e) => e._raw).filter((e) => e.kind === 'read')

describe('the desk’s messages read on the phone', () => {
  it('are receipted once per opening that shows a new message, naming the latest', async () => {
    // given: the officer on his way; then the desk wrote twice
    const { state, api, pushed } = server()
    const { app, sync } = await testPhone(api)
    state.incidents = [call()]
    state.assignments = [onTheWay()]
    await sync()
    state.events = [deskNote('srv_n1', 'Заявитель перезвонил', Date.now() - 3 * minute), deskNote('srv_n2', 'У него нож', Date.now() - minute)]
    await sync()
    expect(app.store.get().alerts).toMatchObject([{ kind: 'message', eventId: 'srv_n2', count: 2 }])

    // when: he taps the message's alert (it opens the call), and opens the call again
    await app.seeCall('7')
    await app._refresh()
    await app.seeCall('7')
    await sync()

    // then: one receipt, up to the latest message, pushed with the phone's clock
    const [receipt, ...more] = await receipts(app)
    expect(more).toEqual([])
    expect(receipt).toMatchObject({ kind: 'read', assignment_id: '7', payload: JSON.stringify({ event_id: 'srv_n2' }) })
    expect(receipt.device_time).toBeGreaterThan(0)
    expect(pushed.filter((e) => e.kind === 'read').map((e) => [e.assignment_id, JSON.parse(e.payload)])).toEqual([['7', { event_id: 'srv_n2' }]])

    // when: the desk writes again, and he opens the call
    state.events = [...state.events, deskNote('srv_n3', 'Ушёл к реке', Date.now())]
    await sync()
    await app.seeCall('7')

    // then: a second receipt, for the new message alone
    expect((await receipts(app)).map((e) => JSON.parse(e.payload).event_id).sort()).toEqual(['srv_n2', 'srv_n3'])
  })

  it('are not receipted when the call has no message from the desk', async () => {
    const { state, api, pushed } = server()
    const { app, sync } = await testPhone(api)
    state.incidents = [call()]
    state.assignments = [onTheWay()]
    // the partner's note is not the desk's
    state.events = [{ ...deskNote('evt_partner_note_01', 'Подъезжаем', Date.now()), source: 'app', device_id: 'dev_other' }]
    await sync()

    await app.seeCall('7')
    await sync()

    expect(await receipts(app)).toEqual([])
    expect(pushed.filter((e) => e.kind === 'read')).toEqual([])
  })

  it('read in a white spot are kept through a restart and pushed once the phone is back', async () => {
    // given: the message reached the phone; then the signal went
    const { state, api, pushed } = server()
    const first = await testPhone(api)
    state.incidents = [call()]
    state.assignments = [onTheWay()]
    state.events = [deskNote('srv_n1', 'У него нож', Date.now() - minute)]
    await first.sync()
    state.online = false

    // when: the officer opens the call offline, and the phone restarts before any signal
    await first.app.seeCall('7')
    await first.sync()
    expect(pushed).toEqual([])
    const again = await testPhone(api, { storage: first.storage })
    await again.app._refresh()
    // (the restarted app opening the call again does not receipt it twice)
    await again.app.seeCall('7')

    // then: the receipt waits in the outbox, and goes once the phone is back
    const kept = await receipts(again.app)
    expect(kept).toHaveLength(1)
    expect(kept[0]._status).toBe('created')
    state.online = true
    await again.sync()
    expect(pushed.filter((e) => e.kind === 'read').map((e) => [e.id, JSON.parse(e.payload).event_id])).toEqual([[kept[0].id, 'srv_n1']])
  })
})
