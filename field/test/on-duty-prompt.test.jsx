// @vitest-environment happy-dom
// "On duty (report my position)" was only on the unit screen, off after enrolment: an officer
// working his calls from the list never opened it, and a whole shift went by with his position
// never sent — the desk's nearest-unit list could not count him. His lists say so, with the
// switch.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { OnDutyPrompt } from '../src/ui/App.jsx'

async function prompt(state, app) {
  const root = document.createElement('div')
  await act(() => render(<OnDutyPrompt app={app} state={state} />, root))
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
})
