import { useEffect, useState } from 'preact/hooks'

/** The store's state, re-rendering on every change. */
export function useStore(store) {
  const [state, setState] = useState(store.get())
  useEffect(() => store.subscribe(setState), [store])
  return state
}

/** The hash route: "#/a/<id>" → {name: "assignment", id}, "#/unit" → {name: "unit"}. */
export function parseRoute(hash) {
  const path = (hash || '').replace(/^#/, '')
  const match = path.match(/^\/a\/([A-Za-z0-9_-]+)$/)
  if (match) return { name: 'assignment', id: match[1] }
  if (path === '/unit') return { name: 'unit' }
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
