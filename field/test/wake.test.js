// @vitest-environment happy-dom
// The phone back on the screen after a sleep in the pocket. The screen showed what it had
// before the sleep with the live dot on, and nothing pulled until the 10 minutes planned
// while the socket was open ran out: a call dispatched during the sleep was not there. Now
// coming back syncs at once and asks the socket whether it still answers.
import { describe, expect, it, vi } from 'vitest'
import { FieldApp } from '../src/controller.js'

function phone(visibilityState) {
  vi.spyOn(console, 'log').mockImplementation(() => {})
  const listeners = {}
  const document = {
    visibilityState,
    addEventListener(type, fn) {
      listeners[type] = fn
    },
  }
  const win = {
    navigator: { onLine: true, languages: ['ru'] },
    document,
    location: { protocol: 'http:', host: 'kuzet.test' },
    addEventListener() {},
    setInterval() {},
  }
  return { app: new FieldApp({ window: win }), listeners, document }
}

describe('back on the screen', () => {
  it('syncs at once and checks that the socket still answers', async () => {
    // given: an enrolled phone running, its engine and socket
    const { app, listeners } = phone('visible')
    await app.start()
    const seen = []
    app.engine = { request: () => seen.push('pull') }
    app.socket = { check: () => seen.push('socket check') }

    // when: the screen comes on again
    listeners.visibilitychange()

    // then
    expect(seen).toEqual(['pull', 'socket check'])
  })

  it('does nothing while the screen is off', async () => {
    const { app, listeners } = phone('hidden')
    await app.start()
    const seen = []
    app.engine = { request: () => seen.push('pull') }
    app.socket = { check: () => seen.push('socket check') }

    listeners.visibilitychange()

    expect(seen).toEqual([])
  })
})
