import { useSyncExternalStore } from 'preact/compat'
import { useEffect, useState } from 'preact/hooks'

/** The store's state, re-rendering on every change. useSyncExternalStore reads the store
 * again once it has subscribed: a change between the first render and the subscription (a
 * second tab learns within that window that the first holds the lock) is not lost — with
 * useState + useEffect it was, and the screen stayed on "Loading…". */
export function useStore(store) {
  return useSyncExternalStore(store.subscribe, store.get)
}

/** The hash route: "#/a/<id>" → {name: "assignment", id}, "#/unit" → {name: "unit"},
 * "#/visits" → {name: "visits"}, "#/v/<id>" → {name: "visit", id} (a follow-up). */
export function parseRoute(hash) {
  const path = (hash || '').replace(/^#/, '')
  const match = path.match(/^\/a\/([A-Za-z0-9_-]+)$/)
  if (match) return { name: 'assignment', id: match[1] }
  const visit = path.match(/^\/v\/([A-Za-z0-9_-]+)$/)
  if (visit) return { name: 'visit', id: visit[1] }
  if (path === '/unit') return { name: 'unit' }
  if (path === '/visits') return { name: 'visits' }
  return { name: 'list' }
}

export function useRoute(win) {
  const [route, setRoute] = useState(parseRoute(win.location.hash))
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(win.location.hash))
    win.addEventListener('hashchange', onChange)
    return () => win.removeEventListener('hashchange', onChange)
  }, [win])
  return route
}
