import { render } from 'preact'
import { FieldApp } from './controller.js'
import { App } from './ui/App.jsx'
import './style.css'

const app = new FieldApp({ window })
render(<App app={app} />, document.getElementById('app'))

// One tab at a time: each tab would hold its own copy of the database in memory and save it
// over the other's, so a fact recorded in one could be lost. The first tab holds this lock
// for as long as it is open; a second one says so instead of starting.
function onlyTab() {
  if (!navigator.locks) return Promise.resolve(true)
  return new Promise((resolve) => {
    navigator.locks.request('kuzet-field-app', { ifAvailable: true }, (lock) => {
      resolve(Boolean(lock))
      return lock ? new Promise(() => {}) : undefined
    })
  })
}

onlyTab().then((first) => (first ? app.start() : app.secondTab()))

// The service worker caches the shell and assets so the app opens with no network at all.
// Registered here, not by an inline script: the page runs under a strict CSP.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch((error) => {
      console.warn('service worker not registered', error)
    })
  })
}
