// @vitest-environment happy-dom
// An officer presses SOS in a white spot. The notice under the header read "SOS recorded —
// going to the duty officers and the chief", green, the same with no signal as with it: he
// took it that the desk knew. Now the sync box says first, in red, that the SOS is on the phone
// and the desk does not have it yet (with the radio as the way meanwhile), as long as it is
// not sent; then the notice says that the desk has it.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { SosNotice, sosState } from '../src/ui/Alerts.jsx'
import { SyncStatus } from '../src/ui/common.jsx'
import { flush } from '../src/db.js'
import { fakeServer as server, testPhone } from './phone-harness.js'

/** [the notice's class and words, or null; the sync box's unsent-SOS line, or null] */
async function shown(app, lang = 'ru') {
  const root = document.createElement('div')
  const state = { ...app.store.get(), lang }
  await act(() =>
    render(
      <>
        <SyncStatus app={app} state={state} />
        <SosNotice app={app} state={state} />
      </>,
      root,
    ),
  )
  const notice = root.querySelector('.sos-notice')
  const unsent = root.querySelector('.sync .sos-unsent')
  return [notice && [notice.className, notice.textContent], unsent && unsent.textContent]
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
    const [notice, unsent] = await shown(app)
    expect(notice).toBeNull()
    expect(unsent).toBe(
      'Дежурная часть ещё не получила SOS: уйдёт, как только будет связь. Если можете — свяжитесь по рации.',
    )
    expect((await shown(app, 'kk'))[1]).toBe(
      'Кезекші бөлім SOS-ты әлі алған жоқ: байланыс болғанда бірден жіберіледі. Мүмкін болса, рациямен хабарласыңыз.',
    )

    // when: he taps the notice away (or sets a status) with the SOS still on the phone
    app.dismissNotice()

    // then: the sync box still says the desk does not have it
    expect((await shown(app))[1]).toMatch(/^Дежурная часть ещё не получила SOS/)

    // when: the signal is back and the SOS is sent
    state.online = true
    await sync()

    // then: the desk has it, and he reads when he pressed it
    expect(pushed.map((e) => e.kind)).toEqual(['sos'])
    expect(app.store.get().notice).toBe(null) // tapped away before: the green one is not forced on him
    app.store.set({ notice: 'sos_sent' })
    const [[tone, text], unsentAfter] = await shown(app)
    expect(unsentAfter).toBeNull()
    expect(tone).toBe('banner notice sos-notice sent')
    expect(text).toMatch(/^Дежурная часть получила ваш SOS \(\d\d:\d\d\): дежурные и начальник оповещены\.$/)
  })

  it('is there again when the app opens with the SOS still on the phone', async () => {
    // given: an SOS pressed in a white spot, and Android closed the app
    const { state, api } = server()
    const { app, storage } = await testPhone(api)
    app.window.navigator.geolocation = { getCurrentPosition() {} }
    state.online = false
    await app.sos()
    await flush(app.database)

    // when: he opens the app again, still without signal
    vi.stubGlobal('WebSocket', class { send() {} close() {} })
    const again = await testPhone(api, { storage })
    again.app.window.location = { protocol: 'https:', host: 'kuzet.test' }
    again.app.api = api
    await again.app._run()

    // then: the notice says the desk does not have it yet (it opened with the header's "SOS"
    // in italics and nothing else)
    expect(again.app.store.get().notice).toBe('sos_sent')
    expect((await shown(again.app))[1]).toMatch(/^Дежурная часть ещё не получила SOS/)
  })
})

afterEach(() => {
  vi.unstubAllGlobals()
})
