// @vitest-environment happy-dom
// The duty desk's officer-safety check reaches the phone (docs/protocol.md §2, the assignment's
// `safety_check_at`): a crew silent on scene past its call's interval is shown "The duty desk
// is checking on you" with one big "I'm OK", which records a `note` in the officer's language —
// word from the crew, which the server's next sweep answers the check by. Before, the desk could
// only radio, and in the field a radio call is often missed.
import { describe, expect, it } from 'vitest'
import { h, render } from 'preact'
import { alertWords, callAlerts } from '../src/alerts.js'
import { Alerts } from '../src/ui/Alerts.jsx'
import { fakeServer as server, testPhone } from './phone-harness.js'

const minute = 60_000

const call = () => ({
  id: '3', number: '1010-2026-000051', channel: 'phone_102', category: 'domestic_violence', priority: 'P1',
  status: 'active', received_at: Date.now() - 40 * minute, district_id: '1', settlement_id: null,
  landmark: 'ул. Абая, 12', summary: 'Муж угрожает', risk_flags: '[]',
})
const onScene = (safetyCheckAt = null) => ({
  id: '7', incident_id: '3', unit_id: '4', status: 'on_scene', dispatched_at: Date.now() - 38 * minute,
  acknowledged_at: Date.now() - 37 * minute, en_route_at: Date.now() - 36 * minute, on_scene_at: Date.now() - 30 * minute,
  safety_check_at: safetyCheckAt,
})
const notes = async (app) =>
  (await app.database.get('events').query().fetch()).map((e) => e._raw).filter((e) => e.kind === 'note')

describe('the duty desk checking on a silent crew', () => {
  it('rings and is shown until the officer taps "I\'m OK", which records a note in his language', async () => {
    // given: the crew on scene, opened long ago; then the sweep put it before the desk
    const { state, api, pushed } = server()
    const { app, sync, storage, rung } = await testPhone(api)
    state.incidents = [call()]
    state.assignments = [onScene()]
    await sync()
    await app.seeCall('7')
    expect(app.store.get().alerts).toEqual([])
    const firedAt = Date.now() - minute
    state.assignments = [onScene(firedAt)]

    // when
    await sync()

    // then: the alert, first, rung once, in Russian
    const [alert] = app.store.get().alerts
    expect(alert).toEqual({ assignmentId: '7', kind: 'safety', priority: 'P1', checkAt: firedAt })
    expect(rung).toEqual(['safety'])
    expect(alertWords('ru', alert, app.store.get().data).title).toBe('Дежурная часть проверяет, всё ли у вас в порядке')

    // when: he taps "Я в порядке"
    const raw = await app.answerSafetyCheck('7', firedAt)

    // then: gone at once, a note on the assignment with his words, pushed
    expect(app.store.get().alerts).toEqual([])
    expect(raw).toMatchObject({ kind: 'note', assignment_id: '7', payload: JSON.stringify({ text: 'Я в порядке' }) })
    await sync()
    expect(pushed.map((e) => [e.kind, e.assignment_id, JSON.parse(e.payload)])).toEqual([['note', '7', { text: 'Я в порядке' }]])

    // when: a second tap, and the phone restarts before the server's sweep (the column still set)
    expect(await app.answerSafetyCheck('7', firedAt)).toBeNull()
    const again = await testPhone(api, { storage })
    await again.sync()

    // then: not shown again, one note only
    expect(again.app.store.get().alerts).toEqual([])
    expect((await notes(again.app)).length).toBe(1)

    // when: the sweep answered it, and the crew falls silent again: a new check
    state.assignments = [onScene(null)]
    await again.sync()
    state.assignments = [onScene(firedAt + 20 * minute)]
    await again.sync()

    // then: shown again
    expect(again.app.store.get().alerts).toMatchObject([{ kind: 'safety', checkAt: firedAt + 20 * minute }])
  })

  it('is answered in Kazakh on a Kazakh phone', async () => {
    const { state, api, pushed } = server()
    const { app, sync } = await testPhone(api, { lang: 'kk' })
    state.incidents = [call()]
    state.assignments = [onScene(Date.now())]
    await sync()
    const [alert] = app.store.get().alerts
    expect(alertWords('kk', alert, app.store.get().data).title).toBe('Кезекші бөлім сіздің жағдайыңызды тексеруде')

    await app.answerSafetyCheck('7', alert.checkAt)
    await sync()

    expect(pushed.map((e) => JSON.parse(e.payload).text)).toEqual(['Менде бәрі жақсы'])
  })

  it('is shown across a restart until answered', async () => {
    const { state, api } = server()
    const first = await testPhone(api)
    state.incidents = [call()]
    state.assignments = [onScene(Date.now())]
    await first.sync()

    const again = await testPhone(api, { storage: first.storage })
    await again.sync()

    expect(again.app.store.get().alerts).toMatchObject([{ kind: 'safety', assignmentId: '7' }])
  })

  it('goes when the desk answered it first, with nothing recorded', async () => {
    const { state, api, pushed } = server()
    const { app, sync } = await testPhone(api)
    state.incidents = [call()]
    state.assignments = [onScene(Date.now())]
    await sync()
    expect(app.store.get().alerts).toMatchObject([{ kind: 'safety' }])

    state.assignments = [onScene(null)] // the desk's "Officer OK"
    await sync()

    expect(app.store.get().alerts.filter((a) => a.kind === 'safety')).toEqual([])
    expect(await notes(app)).toEqual([])
    expect(pushed).toEqual([])
  })

  it('is not shown on a call that is over', () => {
    const assignment = { ...onScene(Date.now()), status: 'cleared', cleared_at: Date.now(), closed_at: Date.now() }
    const { alerts } = callAlerts({ assignments: [assignment], incidents: { 3: call() }, ownEvents: [], seen: { 7: {} } })
    expect(alerts).toEqual([])
  })

  it('is answered by its big button', async () => {
    const { state, api } = server()
    const { app, sync } = await testPhone(api)
    state.incidents = [call()]
    state.assignments = [onScene(Date.now())]
    await sync()
    const answered = []
    const stub = { answerSafetyCheck: (...args) => answered.push(args), seeCall: () => {} }
    const root = document.createElement('div')

    render(h(Alerts, { app: stub, state: app.store.get() }), root)
    const button = root.querySelector('.alert-safety button.safety-ok')
    expect(button.textContent).toBe('Я в порядке')
    button.click()

    expect(answered).toEqual([['7', app.store.get().alerts[0].checkAt]])
  })
})
