import { render } from 'preact'
import { FieldApp } from './controller.js'
import { App } from './ui/App.jsx'
import './style.css'

const app = new FieldApp({ window })
render(<App app={app} />, document.getElementById('app'))
app.start()

// The service worker caches the shell and assets so the app opens with no network at all.
// Registered here, not by an inline script: the page runs under a strict CSP.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch((error) => {
      console.warn('service worker not registered', error)
    })
  })
}
