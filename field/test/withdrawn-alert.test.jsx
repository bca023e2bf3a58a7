// @vitest-environment happy-dom
// A call taken off the unit (a P0 diverted it) stood over every screen until the officer
// opened that very call: in the 360 px shift walk it sat there all shift, and with the new
// P0's alert above it pushed the list below the fold. Its "OK" says he has seen it, like
// opening it: gone for good, through a restart. Not a reading of the call: a desk message on it
// gets its `read` when he opens it, as before.
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { describe, expect, it } from 'vitest'
import { KEYS } from '../src/sync.js'
import { Alerts } from '../src/ui/Alerts.jsx'
import { fakeServer as server, testPhone } from './phone-harness.js'

const minute = 60_000

const call = (id, priority) => ({
  id, number: `1010-2026-00005${id}`, channel: 'phone_102', category: 'violence', priority,
  status: 'active', received_at: Date.now() - 10 * minute, district_id: '1', settlement_id: null,
  landmark: 'ул. Абая, 12', summary: 'Драка во дворе', risk_flags: '[]',
})
const onTheWay = () => ({
  id: '7', incident_id: '3', unit_id: '4', status: 'en_route', dispatched_at: Date.now() - 8 * minute,
  acknowledged_at: Date.now() - 7 * minute, en_route_at: Date.now() - 6 * minute,
})
const deskNote = { id: 'srv_n1', kind: 'note', source: 'desk', assignment_id: '7', incident_id: '3', unit_id: '4',
  payload: JSON.stringify({ text: 'Свободны' }), server_received_at: Date.now() - minute, estimated_at: Date.now() - minute,
  disposition: 'recorded' }

/** A-PC1 on its way to call 3, then diverted to a P0 (call 4), a desk note left on call 3. */
async function diverted(lang = 'ru') {
  const { state, api } = server()
  const phone = await testPhone(api, { lang })
  state.incidents = [call('3', 'P2')]
  state.assignments = [onTheWay()]
  await phone.sync()
  await phone.app.seeCall('7')
  state.incidents = [call('3', 'P2'), call('4', 'P0')]
  state.assignments = [
    { ...onTheWay(), status: 'superseded', superseded_at: Date.now() },
    { id: '8', incident_id: '4', unit_id: '4', status: 'dispatched', dispatched_at: Date.now() },
  ]
  state.events = [deskNote]
  await phone.sync()
  return { ...phone, state, api }
}

async function shown(app) {
  const root = document.createElement('div')
  document.body.append(root)
  await act(() => render(<Alerts app={app} state={app.store.get()} />, root))
  return root
}

const reads = async (app) => (await app.database.get('events').query().fetch()).filter((e) => e._raw.kind === 'read')

describe('the alert of a call taken off the unit', () => {
  it('goes for good at its “OK”, the new call’s alert staying', async () => {
    // given
    const { app, sync, storage, api } = await diverted()
    expect(app.store.get().alerts.map((a) => a.kind)).toEqual(['new', 'withdrawn'])
    const root = await shown(app)
    const ok = root.querySelector('.alert-withdrawn button.alert-ok')
    expect(ok.textContent).toBe('Понятно')

    // when
    await act(async () => ok.click())
    await new Promise((done) => setTimeout(done, 0))

    // then: the P0 alone, after a sync and after a restart too
    expect(app.store.get().alerts.map((a) => [a.kind, a.assignmentId])).toEqual([['new', '8']])
    await sync()
    expect(app.store.get().alerts.map((a) => a.kind)).toEqual(['new'])
    expect((await app.database.localStorage.get(KEYS.seen))['7'].open).toBe(false)
    const again = await testPhone(api, { storage })
    await again.sync()
    expect(again.app.store.get().alerts.map((a) => a.kind)).toEqual(['new'])

    // and the desk's message on it is not said to be read by an "OK": opening the call says so
    expect(await reads(app)).toEqual([])
    await app.seeCall('7')
    expect((await reads(app)).map((e) => JSON.parse(e._raw.payload))).toEqual([{ event_id: 'srv_n1' }])
  })

  it('still opens the call from its words, which is seeing it', async () => {
    const { app } = await diverted('kk')
    const root = await shown(app)
    const link = root.querySelector('.alert-withdrawn a.alert-link')
    expect(link.getAttribute('href')).toBe('#/a/7')
    expect(root.querySelector('.alert-withdrawn .alert-ok').textContent).toBe('Түсінікті')
    await act(async () => link.click())
    await new Promise((done) => setTimeout(done, 0))
    expect(app.store.get().alerts.map((a) => a.kind)).toEqual(['new'])
  })

  it('is the only alert an “OK” takes away', async () => {
    const { app } = await diverted()
    await app.dismissAlert('8')
    expect(app.store.get().alerts.map((a) => a.kind)).toEqual(['new', 'withdrawn'])
  })
})
