// @vitest-environment happy-dom
// The way to the scene: a call showed the village and the straight-line distance, and the
// officer had to find the place in a maps app by hand. Now a button opens the phone's maps
// app at the scene (Android's geo: link lets the officer pick 2GIS, Yandex or Google, whose
// offline maps work out of coverage; an iPhone gets Apple's).
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { CallDetail, mapLink } from '../src/ui/Calls.jsx'

const now = Date.UTC(2026, 2, 12, 9, 0)

function stateWith(incident) {
  return {
    lang: 'kk',
    now,
    deviceId: 'dev_this_phone',
    position: { fix: null },
    answers: {},
    data: {
      assignments: [{ id: '7', incident_id: '3', status: 'acknowledged', dispatched_at: now - 60_000, acknowledged_at: now, closed_at: null }],
      incidents: { 3: { id: '3', category: 'theft', priority: 'P2', ...incident } },
      settlements: { 12: { id: '12', name: 'Актогай', name_kk: 'Ақтоғай', lat: 46.95, lon: 79.66667 } },
      events: [],
    },
  }
}

async function link(state) {
  const root = document.createElement('div')
  await act(() => render(<CallDetail app={{ locateOnce: () => undefined }} state={state} id="7" />, root))
  return root.querySelector('a.map-button')
}

describe('the way to the scene', () => {
  it('opens the maps app at the call’s own point, named by its landmark', async () => {
    const button = await link(stateWith({ settlement_id: '12', lat: 46.951, lon: 79.662, landmark: 'қыстақ, 3 км солтүстікке' }))
    expect(button.textContent).toBe('Картадан ашу')
    expect(button.getAttribute('href')).toBe(
      `geo:46.951,79.662?q=46.951,79.662(${encodeURIComponent('қыстақ, 3 км солтүстікке')})`,
    )
  })

  it('opens it at the village when the call has no point of its own', async () => {
    const button = await link(stateWith({ settlement_id: '12', lat: null, lon: null, landmark: '' }))
    expect(button.getAttribute('href')).toBe(`geo:46.95,79.66667?q=46.95,79.66667(${encodeURIComponent('Ақтоғай')})`)
  })

  it('is not offered without a place', async () => {
    expect(await link(stateWith({ settlement_id: null, lat: null, lon: null }))).toBeNull()
  })

  it('is Apple’s maps on an iPhone', () => {
    const ua = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15'
    expect(mapLink(46.95, 79.66667, 'Ақтоғай', ua)).toBe(
      `https://maps.apple.com/?ll=46.95,79.66667&q=${encodeURIComponent('Ақтоғай')}`,
    )
  })
})
