// @vitest-environment happy-dom
// The officer taps "I'm OK" in a white spot: the check's alert went at his tap, and nothing said
// his answer was still on the phone while the desk's banner stayed amber. Until the check
// closes, the phone says where his answer is: on the phone, waiting for the signal (a line of
// the sync box), or with the desk (a green notice, and when he gave it).
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { SafetyAnswers } from '../src/ui/Alerts.jsx'
import { SyncStatus } from '../src/ui/common.jsx'
import { fakeServer as server, testPhone } from './phone-harness.js'

const minute = 60_000

const call = () => ({
  id: '3', number: '1010-2026-000051', channel: 'phone_102', category: 'violence', priority: 'P1',
  status: 'active', received_at: Date.now() - 40 * minute, district_id: '1', settlement_id: null,
  landmark: 'ул. Абая, 12', summary: 'Драка', risk_flags: '[]',
})
const onScene = (safetyCheckAt = null) => ({
  id: '7', incident_id: '3', unit_id: '4', status: 'on_scene', dispatched_at: Date.now() - 38 * minute,
  acknowledged_at: Date.now() - 37 * minute, en_route_at: Date.now() - 36 * minute, on_scene_at: Date.now() - 30 * minute,
  safety_check_at: safetyCheckAt,
})

async function shown(app, lang = 'ru') {
  const root = document.createElement('div')
  const state = { ...app.store.get(), lang }
  await act(() =>
    render(
      <>
        <SyncStatus app={app} state={state} />
        <SafetyAnswers state={state} />
      </>,
      root,
    ),
  )
  return [...root.querySelectorAll('.safety-answer, .safety-unsent')].map((p) => [p.className, p.textContent])
}

describe('the officer’s answer to the desk’s check', () => {
  it('says it waits on the phone, then that the desk has it, until the check closes', async () => {
    // given: the desk checking on the crew on scene
    const { state, api } = server()
    const { app, sync } = await testPhone(api)
    state.incidents = [call()]
    state.assignments = [onScene()]
    await sync()
    await app.seeCall('7')
    const firedAt = Date.now() - minute
    state.assignments = [onScene(firedAt)]
    await sync()
    expect(await shown(app)).toEqual([])

    // when: he taps "I'm OK", not yet sent
    await app.answerSafetyCheck('7', firedAt)
    await app._refresh() // what the app's subscription to its database does

    // then: his answer is on the phone, waiting
    expect(await shown(app)).toEqual([
      ['sync-state safety-unsent', 'Ваш ответ на проверку ещё в телефоне: дежурная часть получит его, когда будет связь'],
    ])
    expect((await shown(app, 'kk'))[0][1]).toBe('Тексеруге жауабыңыз әлі телефонда: кезекші бөлім оны байланыс болғанда алады')

    // when: sent
    await sync()

    // then: the desk has it
    const [[tone, text]] = await shown(app)
    expect(tone).toBe('banner safety-answer sent')
    expect(text).toMatch(/^Дежурная часть получила ваш ответ на проверку \(\d\d:\d\d\)$/)

    // when: the sweep closed the check
    state.assignments = [onScene(null)]
    await sync()

    // then: nothing more of it
    expect(await shown(app)).toEqual([])
  })
})
