// @vitest-environment happy-dom
// An officer presses SOS in a white spot. The notice under the header read "SOS recorded —
// going to the duty officers and the chief", green, the same with no signal as with it: he
// took it that the desk knew. Now it says the SOS is on the phone and the desk does not have
// it yet (amber, with the radio as the way meanwhile), then that the desk has it.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { SosNotice, sosState } from '../src/ui/Alerts.jsx'
import { fakeServer as server, testPhone } from './phone-harness.js'

async function shown(app, lang = 'ru') {
  const root = document.createElement('div')
  await act(() => render(<SosNotice app={app} state={{ ...app.store.get(), lang }} />, root))
  const notice = root.querySelector('.sos-notice')
  return [notice.className, notice.textContent]
}

describe('the notice after an SOS', () => {
  it('says the SOS waits on the phone in a white spot, then that the desk has it', async () => {
    // given: a phone with no signal
    const { state, api, pushed } = server()
    const { app, sync } = await testPhone(api)
    app.window.navigator.geolocation = { getCurrentPosition() {} }
    state.online = false

    // when: he presses SOS
    await app.sos()
    await app._refresh()

    // then: the SOS is on the phone, and the notice says the desk does not have it yet
    expect(app.store.get().notice).toBe('sos_sent')
    expect(sosState(app.store.get())).toMatchObject({ sent: false })
    expect(await shown(app)).toEqual([
      'banner notice sos-notice pending',
      'SOS сохранён в телефоне, но дежурная часть его ещё не получила: уйдёт, как только появится связь. Если можете — свяжитесь по рации.',
    ])
    expect((await shown(app, 'kk'))[1]).toBe(
      'SOS телефонда сақталды, кезекші бөлім оны әлі алған жоқ: байланыс болғанда бірден жіберіледі. Мүмкін болса, рациямен хабарласыңыз.',
    )

    // when: the signal is back and the SOS is sent
    state.online = true
    await sync()

    // then: the desk has it, and he reads when he pressed it
    expect(pushed.map((e) => e.kind)).toEqual(['sos'])
    const [tone, text] = await shown(app)
    expect(tone).toBe('banner notice sos-notice sent')
    expect(text).toMatch(/^Дежурная часть получила ваш SOS \(\d\d:\d\d\): дежурные и начальник оповещены\.$/)
  })
})
