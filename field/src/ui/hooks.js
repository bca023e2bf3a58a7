import { useSyncExternalStore } from 'preact/compat'
import { useEffect, useRef, useState } from 'preact/hooks'

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

/** A tap that records a fact once, however it lands: while the fact is being written the
 * buttons it wraps are off and a second tap does nothing. On a slow phone writing a note or
 * an outcome takes a moment, the box still held the text and the button was on, and a double
 * tap (or a second tap because nothing seemed to happen) recorded it twice — the desk read the
 * note twice, the chief's report counted two outcomes; a unit status tapped twice put two
 * status changes on the desk's timeline. For a form's submit or a button's click. Returns
 * [saving, wrap]: ``wrap(save)`` is the handler. */
export function useSubmitOnce() {
  const [saving, setSaving] = useState(false)
  const busy = useRef(false) // the state only changes with the next render; a second tap may come before
  const wrap = (save) => async (event) => {
    event?.preventDefault()
    if (busy.current) return
    busy.current = true
    setSaving(true)
    try {
      await save()
    } finally {
      busy.current = false
      setSaving(false)
    }
  }
  return [saving, wrap]
}

/** A text box whose words outlive the screen: ``[value, setValue]`` for the draft ``key``
 * (controller.js: draft), kept by the app as it is typed. The note or outcome half written
 * came back empty after the officer left the call (a new call's alert, the list, the unit
 * screen) or Android closed the app. Another ``key`` (the screen now shows another call)
 * shows that call's draft, not the words typed on the last one. */
export function useDraft(app, key) {
  const [draft, setDraft] = useState(() => ({ key, value: app.draft?.(key) ?? '' }))
  const value = draft.key === key ? draft.value : (app.draft?.(key) ?? '')
  const set = (next) => {
    setDraft({ key, value: next })
    app.setDraft?.(key, next)
  }
  return [value, set]
}
