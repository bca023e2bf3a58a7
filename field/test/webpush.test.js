// @vitest-environment happy-dom
// Web Push: with notifications allowed the phone gives the server its push subscription
// (api.webpush), and the service worker (public/notify-sw.js) shows a pushed call when the
// browser has frozen or closed the app. Before, a call reached a phone in a pocket only when
// the officer opened the app, or by the escalation ladder's SMS.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { FieldApp } from '../src/controller.js'

const KEY = 'BNiptg0JVeOUQ0QtKqHaTsDIY_jt-qi08RGfgs9sizwPAdhGkrwsErLDnm56RQqfgJQhfzXxC8Dby86twggtFQI'
const SUBSCRIPTION = { endpoint: 'https://fcm.googleapis.com/fcm/send/abc', keys: { p256dh: 'p', auth: 'a' } }

function keyBytes(key) {
  const text = atob(key.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(text, (c) => c.charCodeAt(0)).buffer
}

function phone({ permission = 'granted', existing = null, publicKey = KEY } = {}) {
  const pushManager = {
    getSubscription: vi.fn(async () => existing),
    subscribe: vi.fn(async () => ({ toJSON: () => SUBSCRIPTION })),
  }
  const win = {
    navigator: { onLine: true, languages: ['ru'], serviceWorker: { ready: Promise.resolve({ pushManager }) } },
    Notification: { permission },
    PushManager: function PushManager() {},
    document: { visibilityState: 'visible' },
    addEventListener() {},
  }
  const app = new FieldApp({ window: win })
  const sent = []
  app.api = {
    webpush: vi.fn(async (subscription) => {
      sent.push(subscription)
      return { public_key: publicKey, subscribed: subscription !== undefined }
    }),
  }
  return { app, pushManager, sent }
}

describe('the phone subscribes to Web Push', () => {
  it('with notifications allowed, subscribes with the server’s key and gives the server the subscription', async () => {
    const { app, pushManager, sent } = phone()

    await app._subscribePush()

    expect(pushManager.subscribe).toHaveBeenCalledWith({ userVisibleOnly: true, applicationServerKey: KEY })
    expect(sent).toEqual([undefined, SUBSCRIPTION])
    expect(app.store.get().push).toBe('on')
  })

  it('keeps a subscription made with the same key, and replaces one made with another', async () => {
    const same = { options: { applicationServerKey: keyBytes(KEY) }, toJSON: () => SUBSCRIPTION, unsubscribe: vi.fn() }
    const kept = phone({ existing: same })
    await kept.app._subscribePush()
    expect(kept.pushManager.subscribe).not.toHaveBeenCalled()
    expect(same.unsubscribe).not.toHaveBeenCalled()

    const other = { options: { applicationServerKey: new Uint8Array([4, 1, 2]).buffer }, unsubscribe: vi.fn(async () => true) }
    const replaced = phone({ existing: other })
    await replaced.app._subscribePush()
    expect(other.unsubscribe).toHaveBeenCalled()
    expect(replaced.pushManager.subscribe).toHaveBeenCalled()
    expect(replaced.sent.at(-1)).toEqual(SUBSCRIPTION)
  })

  it('asks nothing of the browser before the officer allowed notifications', async () => {
    const { app, pushManager, sent } = phone({ permission: 'default' })
    await app._subscribePush()
    expect(sent).toEqual([])
    expect(pushManager.getSubscription).not.toHaveBeenCalled()
    expect(app.store.get().push).toBe(null)
  })

  it('says so when the server sends no push', async () => {
    const { app, pushManager } = phone({ publicKey: null })
    await app._subscribePush()
    expect(pushManager.subscribe).not.toHaveBeenCalled()
    expect(app.store.get().push).toBe('off')
  })

  it('says so when the browser has no push service, and tries again later', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { app, pushManager, sent } = phone()
    pushManager.subscribe.mockRejectedValueOnce(new DOMException('push service not available', 'AbortError'))
    await app._subscribePush()
    expect(app.store.get().push).toBe('failed')

    await app._subscribePush()
    expect(sent.at(-1)).toEqual(SUBSCRIPTION)
    expect(app.store.get().push).toBe('on')
  })
})

/** public/notify-sw.js run in a stand-in for the service worker's global scope. */
function worker({ windows = [] } = {}) {
  const listeners = {}
  const shown = []
  const self = {
    location: { origin: 'https://kuzet.example' },
    addEventListener: (type, fn) => (listeners[type] = fn),
    clients: { matchAll: async () => windows },
    registration: { showNotification: async (title, options) => shown.push({ title, ...options }) },
  }
  new Function('self', readFileSync(resolve(__dirname, '../public/notify-sw.js'), 'utf8'))(self)
  const push = async (message) => {
    const waits = []
    listeners.push({ data: { json: () => message }, waitUntil: (p) => waits.push(p) })
    await Promise.all(waits)
  }
  return { push, shown }
}

const PUSHED = {
  kind: 'new', assignment_id: '7', title: 'Новый вызов: P1 — преступление только что',
  body: 'Кража · Аягоз', url: '/app/#/a/7', tag: 'call-7',
}

describe('the service worker', () => {
  it('shows a pushed call while the app is frozen or closed, opening the call when tapped', async () => {
    const { push, shown } = worker({ windows: [{ url: 'https://kuzet.example/app/', visibilityState: 'hidden' }] })

    await push(PUSHED)

    expect(shown).toHaveLength(1)
    expect(shown[0]).toMatchObject({
      title: PUSHED.title, body: PUSHED.body, tag: 'call-7', renotify: true,
      requireInteraction: true, data: { url: '/app/#/a/7' },
    })
  })

  it('leaves it to the app when the app is on the screen (it rings for the call itself)', async () => {
    const { push, shown } = worker({ windows: [{ url: 'https://kuzet.example/app/#/', visibilityState: 'visible' }] })
    await push(PUSHED)
    expect(shown).toEqual([])
  })

  it('ignores a push that is not a call', async () => {
    const { push, shown } = worker()
    await push({ hello: 1 })
    expect(shown).toEqual([])
  })
})
