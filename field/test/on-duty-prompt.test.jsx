// @vitest-environment happy-dom
// "On duty (report my position)" was only on the unit screen, off after enrolment: an officer
// working his calls from the list never opened it, and a whole shift went by with his position
// never sent — the desk's nearest-unit list could not count him. His lists say so, with the
// switch — in the one status box under the header (it was a second amber box beside it).
import { afterEach, describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { App } from '../src/ui/App.jsx'
import { OnDutyPrompt } from '../src/ui/common.jsx'
import { fakeServer as server, testPhone } from './phone-harness.js'

async function prompt(state, app) {
  const root = document.createElement('div')
  await act(() => render(<OnDutyPrompt app={app} state={state} />, root))
  return root
}

async function screen(app) {
  const root = document.createElement('div')
  document.body.replaceChildren(root)
  await act(() => render(<App app={app} />, root))
  return root
}

describe('the list of an officer off duty', () => {
  it('says his position is not sent, and one tap puts him on duty', async () => {
    const calls = []
    const app = { setOnDuty: (on) => calls.push(on) }
    const root = await prompt({ lang: 'kk', onDuty: false }, app)
    expect(root.querySelector('p').textContent).toBe('Орныңыз кезекші бөлімге жіберілмейді: ең жақын наряд ретінде сізді көрмейді')
    const button = root.querySelector('button')
    expect(button.textContent).toBe('Кезекшілікке шықтым — орынды жіберу')
    await act(() => button.click())
    expect(calls).toEqual([true])
    const ru = await prompt({ lang: 'ru', onDuty: false }, app)
    expect(ru.querySelector('button').textContent).toBe('Я на смене — передавать местоположение')
  })

  it('says nothing of it on duty', async () => {
    const root = await prompt({ lang: 'ru', onDuty: true }, { setOnDuty: () => {} })
    expect(root.innerHTML).toBe('')
  })

  it('says it in the status box, not in an amber box of its own, and only on his lists', async () => {
    // given: an enrolled phone, off duty, everything sent
    const { api } = server()
    const { app, sync } = await testPhone(api)
    app.window.navigator.geolocation = { watchPosition: () => 1, clearWatch() {}, getCurrentPosition() {} }
    await sync()
    window.location.hash = '#/'

    // when: his list is on the screen
    let root = await screen(app)

    // then: one amber box, the prompt in it above the sync line, no banner
    expect(root.querySelectorAll('.banner')).toHaveLength(0)
    const box = root.querySelector('section.sync')
    expect(box.className).toBe('sync status status-warn')
    const prompted = box.querySelector('.sync-state.on-duty-prompt')
    expect(prompted.querySelector('p').textContent).toBe(
      'Ваше местоположение не передаётся в дежурную часть: ближайшим нарядом вас не увидят',
    )
    expect(prompted.nextElementSibling.className).toBe('sync-line')

    // and on his visits too, but not on a call's screen or his unit's
    window.location.hash = '#/visits'
    root = await screen(app)
    expect(root.querySelector('section.sync .on-duty-prompt')).not.toBeNull()
    window.location.hash = '#/unit'
    root = await screen(app)
    expect(root.querySelector('.on-duty-prompt')).toBeNull()
    expect(root.querySelector('section.sync').className).toBe('sync status')

    // when: he taps it on his list
    window.location.hash = '#/'
    root = await screen(app)
    await act(async () => {
      root.querySelector('.on-duty-prompt button').click()
      await new Promise((resolve) => setTimeout(resolve, 50))
    })

    // then: the box is the sync line alone
    expect(app.state.onDuty).toBe(true)
    root = await screen(app)
    expect(root.querySelector('.on-duty-prompt')).toBeNull()
    expect(root.querySelector('section.sync').className).toBe('sync status')
  })
})

afterEach(() => {
  window.location.hash = ''
})
