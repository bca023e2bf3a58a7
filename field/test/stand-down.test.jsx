// @vitest-environment happy-dom
// A unit diverted to a more urgent call, or taken off a call by the desk, read "Вызов отменён
// дежурным" on the call screen and "отменён 21:12" on its card: the officer took the call for
// over, while it went back to the queue for another unit. Only the call's own cancellation
// says it is cancelled; a stand-down says the call was taken off his unit.
import { describe, expect, it } from 'vitest'
import { callAge } from '../src/ui/Calls.jsx'
import { callScreen, clearedCall, minute, now } from './cleared-call.jsx'

function standDown(lang, incidentStatus) {
  const state = clearedCall({ lang, incident: { status: incidentStatus } })
  state.data.assignments[0] = {
    ...state.data.assignments[0],
    status: 'cancelled',
    on_scene_at: null,
    cleared_at: null,
    cancelled_at: now - 10 * minute,
    closed_at: now - 10 * minute,
    cancel_reason: 'diverted to a more urgent call',
  }
  return state
}

describe('a call taken off the unit', () => {
  it('says so on the call screen and its card, in every language, while the call goes on', async () => {
    for (const [lang, banner, line] of [
      ['ru', 'Вызов снят с вашего наряда (13:50).', 'снят с наряда 13:50'],
      ['kk', 'Шақыру сіздің нарядыңыздан алынды (13:50).', 'нарядтан алынды 13:50'],
      ['en', 'The call was taken off your unit (13:50).', 'taken off your unit 13:50'],
    ]) {
      const state = standDown(lang, 'queued')
      const root = await callScreen(state)
      expect(root.querySelector('.banner.cancelled p').textContent).toBe(banner)
      expect(callAge(lang, state.data.assignments[0], now, state.data.incidents[3])).toBe(line)
    }
  })

  it('says the call was cancelled when the desk cancelled the call itself', async () => {
    const state = standDown('ru', 'cancelled')
    const root = await callScreen(state)
    expect(root.querySelector('.banner.cancelled p').textContent).toBe('Вызов отменён дежурным (13:50).')
    expect(callAge('ru', state.data.assignments[0], now, state.data.incidents[3])).toBe('отменён 13:50')
  })

  it('says a step recorded after it went to the chief as taken off the unit, not cancelled', async () => {
    const state = standDown('ru', 'queued')
    state.data.events = [{
      id: 'ev_en_route_late', kind: 'en_route', assignment_id: '7', incident_id: '3', device_id: 'dev_this_phone',
      device_time: now - 5 * minute, payload: '{}', _status: 'synced', disposition: 'after_cancel',
    }]
    const root = await callScreen(state)
    expect(root.querySelector('.fact[data-kind=en_route] .fact-state').textContent).toBe(
      'Вызов к этому моменту был снят с вашего наряда — передано начальнику на разбор',
    )
  })
})
