// Imported by the generated service worker (vite.config.mjs, workbox.importScripts): a tap on
// a call's system notification brings the app to the front on that call's screen, opening it
// when it was closed. The page shows the notifications while it runs (src/ringer.js); a Web
// Push from the server (backend/realtime/webpush.py: a new call, or one the ladder pushes
// again) wakes this worker when the browser has frozen or closed the page, and it shows the
// call itself — unless the app is on the screen, which rings for it already.

/** Show a pushed call: ``message`` is the server's ``{title, body, url, tag}``. */
async function showPushed(message) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
  if (windows.some((w) => w.visibilityState === 'visible' && new URL(w.url).pathname.startsWith('/app/'))) return
  await self.registration.showNotification(message.title, {
    tag: message.tag,
    body: message.body,
    renotify: true,
    requireInteraction: true,
    vibrate: [400, 200, 400, 200, 400],
    data: { url: message.url },
    icon: '/app/icon-192.png',
  })
}

self.addEventListener('push', (event) => {
  let message = null
  try {
    message = event.data?.json()
  } catch {
    message = null
  }
  if (!message?.title) return
  event.waitUntil(showPushed(message))
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const url = new URL(event.notification.data?.url || '/app/', self.location.origin).href
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).pathname.startsWith('/app/'))
      if (open) return open.navigate(url).then((w) => (w || open).focus())
      return self.clients.openWindow(url)
    }),
  )
})
