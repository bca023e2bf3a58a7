// Imported by the generated service worker (vite.config.mjs, workbox.importScripts): a tap on
// a call's system notification brings the app to the front on that call's screen, opening it
// when it was closed. The page shows the notifications (src/ringer.js); only the tap needs
// the worker.
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
