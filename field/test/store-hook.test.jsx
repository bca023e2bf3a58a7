// @vitest-environment happy-dom
// The screen follows the app's store from the first render on: a change made after the first
// render but before the component subscribed (the second tab's lock answers within that
// window) must still reach the screen. It was lost once: the app stayed on "Loading…".
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { Store } from '../src/controller.js'
import { useStore } from '../src/ui/hooks.js'

function Phase({ store }) {
  const state = useStore(store)
  return <p>{state.phase}</p>
}

describe('useStore', () => {
  it('shows a change made between the first render and the subscription', async () => {
    const store = new Store({ phase: 'loading' })
    const root = document.createElement('div')

    // when: the store changes right after the first render, before effects run
    render(<Phase store={store} />, root)
    expect(root.textContent).toBe('loading')
    store.set({ phase: 'second_tab' })
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 150))
    })

    // then
    expect(root.textContent).toBe('second_tab')
  })

  it('follows later changes and stops when unmounted', async () => {
    const store = new Store({ phase: 'loading' })
    const root = document.createElement('div')
    await act(() => render(<Phase store={store} />, root))

    await act(() => store.set({ phase: 'ready' }))
    expect(root.textContent).toBe('ready')

    await act(() => render(null, root))
    expect(store.listeners.size).toBe(0)
  })
})
