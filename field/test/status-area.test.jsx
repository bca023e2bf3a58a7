// @vitest-environment happy-dom
// On scene in a white spot, the officer pressed SOS and answered the desk's check: at 360 px
// three amber banners stood one over the other under the header — no signal, the SOS kept on
// the phone, his answer kept on the phone — with the sync line between them, and the call he
// was working began below the fold. Now one box says it, the SOS first and in red, then his
// answer, then the signal and the count; with everything sent, the box goes and the desk
// having his SOS and his answer are said in green.
import { afterEach, describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { App } from '../src/ui/App.jsx'
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

async function screen(app) {
  const root = document.createElement('div')
  document.body.replaceChildren(root)
  await act(() => render(<App app={app} />, root))
  return root
}

const lines = (root) => [...root.querySelectorAll('.sync .sync-state')].map((p) => [p.classList[1], p.textContent])

describe('the state of sync on the call screen', () => {
  it('is one box, the unsent SOS first, and no banner of its own for each fact', async () => {
    // given: on scene, the desk checking on him; then the signal goes
    const { state, api } = server()
    const { app, sync } = await testPhone(api)
    app.window.navigator.geolocation = { getCurrentPosition() {} }
    app.syncNow = () => undefined
    state.incidents = [call()]
    state.assignments = [onScene()]
    await sync()
    await app.seeCall('7')
    const firedAt = Date.now() - minute
    state.assignments = [onScene(firedAt)]
    await sync()
    state.online = false
    app.store.set({ online: false })
    window.location.hash = '#/a/7'

    // when: he answers the check and presses SOS
    await app.answerSafetyCheck('7', firedAt)
    await app.sos()
    await app._refresh()
    let root = await screen(app)

    // then: one box under the header, red for the SOS, saying each fact once, the SOS first
    expect(root.querySelectorAll('.banner')).toHaveLength(0)
    const box = root.querySelector('.sync')
    expect(box.className).toBe('sync status status-sos')
    expect(lines(root)).toEqual([
      ['sos-unsent', 'Дежурная часть ещё не получила SOS: уйдёт, как только будет связь. Если можете — свяжитесь по рации.'],
      ['safety-unsent', 'Ваш ответ на проверку ещё в телефоне: дежурная часть получит его, когда будет связь'],
      ['offline', 'Нет сети: всё сохраняется в телефоне.'],
    ])
    expect(box.querySelector('.sos-unsent').getAttribute('role')).toBe('alert')
    expect(box.querySelector('.waiting').textContent).toBe('Ждут отправки: 2')
    // and the call follows the box
    expect(box.nextElementSibling.matches('main.screen')).toBe(true)

    // and in Kazakh
    app.store.set({ lang: 'kk' })
    root = await screen(app)
    expect(lines(root)).toEqual([
      ['sos-unsent', 'Кезекші бөлім SOS-ты әлі алған жоқ: байланыс болғанда бірден жіберіледі. Мүмкін болса, рациямен хабарласыңыз.'],
      ['safety-unsent', 'Тексеруге жауабыңыз әлі телефонда: кезекші бөлім оны байланыс болғанда алады'],
      ['offline', 'Желі жоқ: бәрі телефонда сақталады.'],
    ])
    expect(root.querySelector('.sync .waiting').textContent).toBe('Жіберуді күтуде: 2')

    // when: the signal is back and both are sent
    state.online = true
    app.store.set({ online: true, lang: 'ru' })
    await sync()
    root = await screen(app)

    // then: no box, the line of the sync alone, and the desk having both said in green
    expect(root.querySelector('.sync').className).toBe('sync status')
    expect(lines(root)).toEqual([])
    expect(root.querySelector('.sync .waiting').textContent).toBe('Всё отправлено')
    expect(root.querySelector('.sos-notice').className).toBe('banner notice sos-notice sent')
    expect(root.querySelector('.safety-answer').className).toBe('banner safety-answer sent')
  })
})

afterEach(() => {
  window.location.hash = ''
})
