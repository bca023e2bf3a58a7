// @vitest-environment happy-dom
// In a white spot the status box still offered "Обновить" (Sync now): pressed, it could reach
// no server and nothing the officer could see happened. Without a network the box says instead
// that the phone sends and updates by itself once there is signal, under the time it last
// reached the server; with the network back the button is there again and pulls.
import { afterEach, describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { App } from '../src/ui/App.jsx'
import { SyncStatus } from '../src/ui/common.jsx'
import { fakeServer, testPhone } from './phone-harness.js'

const minute = 60_000
// 14:10 in Kazakhstan (UTC+5)
const now = Date.UTC(2026, 11, 7, 9, 10)

async function box(lang, { online, problem = null, syncNow = () => undefined }) {
  const state = {
    lang, online, now, deviceId: 'd1', data: { events: [], assignments: [] },
    sync: { lastSyncOk: now - 5 * minute, syncing: false, problem },
  }
  const root = document.createElement('div')
  await act(() => render(<SyncStatus app={{ syncNow }} state={state} />, root))
  return root.querySelector('.sync-line')
}

describe('"Sync now" out of coverage', () => {
  it('is not offered: the box says the phone sends and updates by itself, under the last contact', async () => {
    const later = {
      kk: 'Байланыс болғанда телефон бәрін өзі жібереді және жаңартады',
      ru: 'Телефон сам всё отправит и обновит, когда будет связь',
      en: 'The phone sends and updates by itself once there is signal',
    }
    const lastContact = {
      kk: 'Сервермен соңғы байланыс: 14:05',
      ru: 'Последняя связь с сервером: 14:05',
      en: 'Last reached the server: 14:05',
    }
    for (const lang of ['kk', 'ru', 'en']) {
      const line = await box(lang, { online: false })
      expect(line.querySelector('button')).toBeNull()
      expect(line.querySelector('.sync-later').textContent).toBe(later[lang])
      expect(line.querySelector('.last-sync').textContent).toBe(lastContact[lang])
    }
  })

  it('is offered online, and where the phone has a network the server did not answer on', async () => {
    let pressed = 0
    for (const problem of [null, 'offline', 'server']) {
      const line = await box('ru', { online: true, problem, syncNow: () => pressed++ })
      expect(line.querySelector('.sync-later')).toBeNull()
      const button = line.querySelector('button')
      expect(button.textContent).toBe('Обновить')
      expect(button.disabled).toBe(false)
      await act(() => button.click())
    }
    expect(pressed).toBe(3)
  })

  it('comes back with the network, and pulls', async () => {
    // given: a phone on its list, synced, then the network goes
    const { state, api } = fakeServer()
    let pulls = 0
    const pull = api.pull
    api.pull = (...args) => {
      pulls += 1
      return pull(...args)
    }
    const { app, sync } = await testPhone(api)
    await sync()
    const root = document.createElement('div')
    document.body.replaceChildren(root)
    await act(() => render(<App app={app} />, root))
    state.online = false
    await act(() => app._coverage(false))
    expect(root.querySelector('.sync-line button')).toBeNull()
    expect(root.querySelector('.sync-line .sync-later')).not.toBeNull()

    // when: it is back
    state.online = true
    await act(() => app._coverage(true))
    await app.engine.request()
    await act(() => app._refresh())

    // then: "Sync now" is there again, and pressing it pulls
    expect(root.querySelector('.sync-line .sync-later')).toBeNull()
    const button = root.querySelector('.sync-line button')
    expect(button.textContent).toBe('Обновить')
    const before = pulls
    await act(() => button.click())
    await app.engine.request()
    expect(pulls).toBeGreaterThan(before)
  })
})

afterEach(() => {
  document.body.replaceChildren()
})
