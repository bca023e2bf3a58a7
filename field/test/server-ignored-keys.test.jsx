// @vitest-environment happy-dom
// The server names, on this phone's own events in a pull and in a push's results, the keys it
// did not read (docs/protocol.md §2 *events*, §4 *Keys the server does not read*): a field a
// newer app sends to an older server, or the app's bug. The app dropped it without a word
// (WatermelonDB drops a column the local schema has not). Now it is kept on the phone, one line
// an event, and shown in the unit screen's "About the app" for the mobile team and support —
// never on the officer's calls, nor as an alert.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { openDatabase } from '../src/db.js'
import { KEYS, SyncEngine, ignoredKeys } from '../src/sync.js'
import { App } from '../src/ui/App.jsx'
import { fakeServer, testPhone } from './phone-harness.js'

// 14:05 in Kazakhstan (UTC+5)
const at = Date.UTC(2026, 11, 7, 9, 5)
const ownEvent = (id, kind, ignored) => ({
  id, kind, assignment_id: '7', incident_id: '3', unit_id: '4', device_time: at, boot_id: 'b', elapsed_ms: 1,
  lat: null, lon: null, accuracy_m: null, gps_time: null, payload: '{}', officer_id: '9', device_id: 'dev_phone',
  source: 'app', disposition: 'applied', server_received_at: at, estimated_at: at, estimate_uncertainty_ms: 1000,
  estimate_method: 'anchor', clock_suspect: false, ...(ignored === undefined ? {} : { ignored }),
})

describe('keys the server did not read', () => {
  it('are kept from a pull’s own events, where the local schema drops them', async () => {
    // given: a reinstalled phone pulling its history: two of its events, one with keys unread
    vi.spyOn(console, 'log').mockImplementation(() => {})
    const database = openDatabase({ dbName: 'ignored-pull' })
    const api = {
      pull: async () => ({
        changes: {
          events: {
            created: [],
            updated: [ownEvent('e1', 'on_scene', '["altitude_m","floor"]'), ownEvent('e2', 'ack')],
            deleted: [],
          },
        },
        timestamp: 10,
        has_more: false,
      }),
      push: async () => ({ results: [] }),
    }
    const engine = new SyncEngine({ database, api, now: () => at + 60_000, timers: { setTimeout: () => 1, clearTimeout() {} } })

    // when
    await engine.request()

    // then: the event is in, without the column, and what the server did not read is kept
    const [stored] = (await database.get('events').query().fetch()).filter((r) => r.id === 'e1').map((r) => r._raw)
    expect(stored.ignored).toBeUndefined()
    expect(await database.localStorage.get(KEYS.ignored)).toEqual({
      e1: { kind: 'on_scene', at, keys: ['altitude_m', 'floor'], noted: at + 60_000 },
    })
  })

  it('are kept from a push’s results, and once for an event its pull names again', async () => {
    // given: a phone whose push is answered with a key not read
    const { state, api } = fakeServer()
    const push = api.push
    api.push = async (events) => {
      const answer = await push(events)
      return { results: answer.results.map((r) => ({ ...r, ignored: ['altitude_m'] })) }
    }
    const { app, sync } = await testPhone(api)
    await app.unitStatus('busy')

    // when: it is sent, and the next pull brings the server's copy of it
    await sync()
    const [sent] = Object.keys((await app.database.localStorage.get(KEYS.ignored)) ?? {})
    expect(sent).toBeDefined()
    state.events = [ownEvent(sent, 'unit_status', '["altitude_m"]')]
    await sync()

    // then: one line for it
    const kept = await app.database.localStorage.get(KEYS.ignored)
    expect(Object.keys(kept)).toEqual([sent])
    expect(kept[sent]).toMatchObject({ kind: 'unit_status', keys: ['altitude_m'] })
    expect(app.state.ignored).toEqual(kept)
  })

  it('are shown under "About the app" on the unit screen, and nowhere on his calls', async () => {
    // given: the server did not read two keys of his "on scene"
    const { state, api } = fakeServer()
    state.events = [ownEvent('e1', 'on_scene', '["altitude_m","floor"]')]
    const { app, sync } = await testPhone(api)
    // the screen's "today" is the test's day (its times read "14:05", not "7 дек. 14:05")
    app.store.set({ onDuty: true, now: at + 60_000 })
    await sync()
    const root = document.createElement('div')
    document.body.replaceChildren(root)

    // when: on his list
    window.location.hash = '#/'
    await act(() => render(<App app={app} />, root))
    // then: not a word of it, and nothing alarming
    expect(root.textContent).not.toContain('altitude_m')
    expect(root.querySelectorAll('.banner, [role="alert"], .about')).toHaveLength(0)
    expect(root.querySelector('.sync').className).toBe('sync status')

    // when: the unit screen
    await act(() => {
      window.location.hash = '#/unit'
      window.dispatchEvent(new HashChangeEvent('hashchange'))
    })
    // then: folded at its foot, in the officer's language
    const about = root.querySelector('main.unit details.about')
    expect(about.open).toBe(false)
    expect(about.querySelector('summary').textContent).toBe('О приложении')
    expect(about.querySelector('.version').textContent).toBe('Версия 1.0.0, схема протокола 4')
    expect([...about.querySelectorAll('ul.ignored li')].map((li) => li.textContent)).toEqual([
      'Сервер не прочитал altitude_m, floor в событии «На месте» (on_scene), 14:05',
    ])
    for (const [lang, line] of [
      ['kk', 'Сервер altitude_m, floor өрістерін оқымады: «Орнындамын» (on_scene) оқиғасы, 14:05'],
      ['en', 'Server ignored altitude_m, floor in event “On scene” (on_scene), 14:05'],
    ]) {
      await act(() => app.store.set({ lang }))
      expect(about.querySelector('ul.ignored li').textContent).toBe(line)
    }
    expect(root.querySelectorAll('.banner, [role="alert"]')).toHaveLength(0)
  })

  it('are read from a list or from its JSON text, and nothing else names a key', () => {
    expect(ignoredKeys('["a","b"]')).toEqual(['a', 'b'])
    expect(ignoredKeys(['a'])).toEqual(['a'])
    expect(ignoredKeys(undefined)).toEqual([])
    expect(ignoredKeys('not json')).toEqual([])
    expect(ignoredKeys('{"a":1}')).toEqual([])
  })
})

afterEach(() => {
  window.location.hash = ''
  document.body.replaceChildren()
})
