// @vitest-environment happy-dom
// The server names, at the top of an answer, the keys of the request itself it did not read — a
// query parameter of a pull, a key of a push's or an enrolment's body (docs/protocol.md §4, *Keys
// the server does not read*). The app read `ignored` only on its facts and dropped these: a newer
// app's parameter an older server never reads went unseen. Now they are kept beside the facts'
// and shown under the unit screen's folded "About the app", one line a request, for support.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { Api } from '../src/api.js'
import { DeviceClock } from '../src/clock.js'
import { KEYS } from '../src/sync.js'
import { App } from '../src/ui/App.jsx'
import { fakeServer, testPhone } from './phone-harness.js'

// 14:05 in Kazakhstan (UTC+5)
const at = Date.UTC(2026, 11, 7, 9, 5)

function answering(body) {
  const asked = []
  const fetchImpl = async (url, init) => {
    asked.push({ url, method: init.method })
    return new Response(JSON.stringify({ server_time: at, ...body }), { status: 200 })
  }
  return { asked, fetchImpl }
}

function api(fetchImpl, onIgnored) {
  const clock = new DeviceClock({ now: () => at, elapsed: () => 5_000 })
  return new Api({ clock, getToken: async () => 'token', fetchImpl, onIgnored })
}

describe('keys of a request the server did not read', () => {
  it('are handed on with the request they were of', async () => {
    // given: a server that read neither a pull's `floor` nor a push's `clientInfo`
    const noted = []
    const pull = answering({ changes: {}, timestamp: 1, has_more: false, ignored: ['floor'] })
    const push = answering({ results: [], ignored: ['clientInfo'] })

    // when
    await api(pull.fetchImpl, (request, keys) => noted.push([request, keys])).pull(5)
    await api(push.fetchImpl, (request, keys) => noted.push([request, keys])).push([], 5)

    // then: named by the endpoint, not its query
    expect(noted).toEqual([
      ['pull', ['floor']],
      ['push', ['clientInfo']],
    ])
    // and: an answer that read everything hands nothing on
    await api(answering({ results: [] }).fetchImpl, (request, keys) => noted.push([request, keys])).push([], 5)
    expect(noted).toHaveLength(2)
  })

  it('never cost the answer they came with', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { fetchImpl } = answering({ results: [{ id: 'e1', status: 'accepted' }], ignored: ['clientInfo'] })
    const failing = async () => {
      throw new Error('storage full')
    }
    await expect(api(fetchImpl, failing).push([], 5)).resolves.toMatchObject({
      results: [{ id: 'e1', status: 'accepted' }],
    })
  })

  it('are kept once a request and shown under "About the app" in the officer’s language', async () => {
    // given: a phone whose pull the server answered twice with the same unread key
    const { api: server } = fakeServer()
    const { app } = await testPhone(server)
    vi.spyOn(Date, 'now').mockReturnValue(at)
    // the screen's "today" is the test's day (its times read "14:05", not "7 дек. 14:05")
    app.store.set({ now: at })
    await app._requestIgnored('pull', ['floor'])
    await app._requestIgnored('pull', ['floor'])
    await app._requestIgnored('push', ['clientInfo'])

    // then: one line a request, kept on the phone
    const kept = await app.database.localStorage.get(KEYS.ignored)
    expect(Object.keys(kept).sort()).toEqual(['request:pull', 'request:push'])
    expect(kept['request:pull']).toMatchObject({ request: 'pull', keys: ['floor'] })
    expect(app.state.ignored).toEqual(kept)

    // when: the unit screen, its "About the app"
    const root = document.createElement('div')
    document.body.replaceChildren(root)
    window.location.hash = '#/unit'
    await act(() => render(<App app={app} />, root))
    const lines = () => [...root.querySelectorAll('main.unit details.about ul.ignored li[data-request]')]

    // then: each request named in words and by its code
    expect(lines().map((li) => li.textContent).sort()).toEqual([
      'Сервер не прочитал clientInfo в запросе телефона «Отправка событий на сервер» (push), 14:05',
      'Сервер не прочитал floor в запросе телефона «Получение обновлений с сервера» (pull), 14:05',
    ])
    for (const [lang, line] of [
      ['kk', 'Сервер телефонның «Серверден жаңартуларды алу» (pull) сұрауындағы floor өрістерін оқымады, 14:05'],
      ['en', 'Server ignored floor in the phone’s “Get updates from the server” request (pull), 14:05'],
    ]) {
      await act(() => app.store.set({ lang }))
      expect(root.querySelector('li[data-request="pull"]').textContent).toBe(line)
    }
    expect(root.querySelectorAll('.banner, [role="alert"]')).toHaveLength(0)
  })
})

afterEach(() => {
  vi.restoreAllMocks()
  window.location.hash = ''
  document.body.replaceChildren()
})
