// @vitest-environment happy-dom
// A milestone tapped out of coverage turned green with "✓ 12:36" like one the desk already
// had: only "my facts", far down the screen, said it was waiting. An officer at the scene in
// a white spot could not tell from the button that the desk still thought him on the road.
import { describe, expect, it } from 'vitest'
import { callScreen, clearedCall, minute, now } from './cleared-call.jsx'

// The unit is en route on the server; this phone holds "on scene", sent or not.
function onTheWay(events, lang = 'ru') {
  const state = clearedCall({ lang, events })
  state.data.assignments[0] = {
    ...state.data.assignments[0], status: 'en_route', on_scene_at: null, cleared_at: null,
  }
  return state
}

const onScene = (_status) => ({
  id: 'ev_on_scene', kind: 'on_scene', assignment_id: '7', incident_id: '3', device_id: 'dev_this_phone',
  device_time: now - 2 * minute, payload: '{}', _status,
})

const button = (root, name) =>
  [...root.querySelectorAll('button.milestone')].find((b) => b.querySelector('.milestone-name').textContent === name)

describe('a milestone on the call screen', () => {
  it('says it waits for the signal while it has not been sent', async () => {
    const root = await callScreen(onTheWay([onScene('created')]))
    const shown = button(root, 'На месте')
    expect(shown.className).toContain('pending')
    expect(shown.querySelector('.milestone-time').textContent).toBe('✓ 13:58 · ждёт связи')
    const kk = await callScreen(onTheWay([onScene('created')], 'kk'))
    expect(button(kk, 'Орнындамын').querySelector('.milestone-time').textContent).toBe('✓ 13:58 · байланыс күтуде')
  })

  it('is a plain tick once the server has it, and for one the desk recorded', async () => {
    const root = await callScreen(onTheWay([onScene('synced')]))
    expect(button(root, 'На месте').className).not.toContain('pending')
    expect(button(root, 'На месте').querySelector('.milestone-time').textContent).toBe('✓ 13:58')
    expect(button(root, 'В пути').querySelector('.milestone-time').textContent).toBe('✓ 12:33')
    expect(button(root, 'В пути').className).not.toContain('pending')
  })
})
