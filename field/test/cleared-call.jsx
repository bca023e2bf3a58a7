// A call the unit has worked to cleared, on the call screen: the state the outcome tests
// render (one unit, assignment 7 of incident 3, no settlement, no position fix).
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { CallDetail } from '../src/ui/Calls.jsx'

export const now = Date.UTC(2026, 2, 12, 9, 0) // 14:00 in Almaty
export const minute = 60_000

export function clearedCall({ lang = 'ru', events = [], answers = {}, incident = {} } = {}) {
  return {
    lang,
    now,
    deviceId: 'dev_this_phone',
    position: { fix: null },
    answers,
    data: {
      assignments: [
        {
          id: '7',
          incident_id: '3',
          status: 'cleared',
          dispatched_at: now - 90 * minute,
          acknowledged_at: now - 88 * minute,
          en_route_at: now - 87 * minute,
          on_scene_at: now - 60 * minute,
          cleared_at: now - 20 * minute,
          closed_at: null,
        },
      ],
      incidents: {
        3: { id: '3', number: '1010-2026-000051', category: 'noise', priority: 'P3', settlement_id: null, ...incident },
      },
      settlements: {},
      events,
    },
  }
}

// The call screen of ``state``, rendered into the document; returns its root.
export async function callScreen(state, app = { locateOnce: () => undefined }) {
  const root = document.createElement('div')
  document.body.append(root)
  await act(() => render(<CallDetail app={app} state={state} id="7" />, root))
  return root
}
