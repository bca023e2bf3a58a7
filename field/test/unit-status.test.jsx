// @vitest-environment happy-dom
// The unit's status on the phone: after a tap on "Busy" out of coverage the screen said
// "Available" (the server's copy, not yet told) and the officer tapped again. Now the status
// set on this phone shows until it is sent, marked as waiting, and its button is pressed.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { shownUnitStatus } from '../src/lifecycle.js'
import { UnitScreen } from '../src/ui/App.jsx'

const now = Date.UTC(2026, 2, 12, 9, 0) // 14:00 in Almaty
const minute = 60_000
const server = { id: '4', callsign: 'SEM-UI1', status: 'available', status_at: now - 60 * minute }

function statusEvent(status, at, _status) {
  return { id: `ev_${at}`, kind: 'unit_status', payload: JSON.stringify({ status }), device_time: at, _status }
}

function stateWith(events) {
  return {
    lang: 'ru',
    now,
    unit: { id: '4', callsign: 'SEM-UI1' },
    officer: { username: 'sem_ui1_1', first_name: 'Бахытжан', last_name: 'Искаков' },
    onDuty: false,
    position: { fix: null, denied: false },
    data: { units: { 4: server }, events },
  }
}

async function screen(state) {
  const root = document.createElement('div')
  const app = { unitStatus: () => undefined, setOnDuty: () => undefined, setLanguage: () => undefined }
  await act(() => render(<UnitScreen app={app} state={state} />, root))
  return root
}

describe('the unit status the phone shows', () => {
  it('is the one set offline, waiting to be sent, with its button pressed', async () => {
    const root = await screen(stateWith([statusEvent('busy', now - 2 * minute, 'created')]))
    expect(root.querySelector('.unit-status').textContent).toBe('Статус наряда: Занят · 13:58 · Ждёт отправки')
    const pressed = [...root.querySelectorAll('.status-buttons button[aria-pressed=true]')]
    expect(pressed.map((b) => b.textContent)).toEqual(['Занят'])
  })

  it('is the server’s once nothing waits', async () => {
    const root = await screen(stateWith([statusEvent('busy', now - 90 * minute, 'synced')]))
    expect(root.querySelector('.unit-status').textContent).toBe('Статус наряда: Свободен · 13:00')
    const pressed = [...root.querySelectorAll('.status-buttons button[aria-pressed=true]')]
    expect(pressed.map((b) => b.textContent)).toEqual(['Свободен'])
  })

  it('is the last of several taps made offline', () => {
    const events = [statusEvent('busy', now - 5 * minute, 'created'), statusEvent('out_of_service', now - minute, 'created')]
    expect(shownUnitStatus(server, events)).toEqual({ status: 'out_of_service', at: now - minute, pending: true })
    expect(shownUnitStatus(null, [])).toBeNull()
  })
})

describe('the unit status after a milestone tapped out of coverage', () => {
  // "On scene" tapped offline left the header on "En route" (the server's copy) until the
  // phone was back: the officer at the door read that he was still driving.
  const enRoute = { ...server, status: 'en_route', status_at: now - 10 * minute }
  const milestone = (kind, at, _status) => ({ id: `ms_${at}`, kind, payload: '{}', device_time: at, _status })

  it('follows the milestone, waiting to be sent', () => {
    const events = [milestone('en_route', now - 10 * minute, 'synced'), milestone('on_scene', now - minute, 'created')]
    expect(shownUnitStatus(enRoute, events)).toEqual({ status: 'on_scene', at: now - minute, pending: true })
    const carrying = [...events, milestone('transporting', now, 'created')]
    expect(shownUnitStatus(enRoute, carrying)).toEqual({ status: 'transporting', at: now, pending: true })
  })

  it('leaves the server’s status for milestones that set none, and for one already sent', () => {
    expect(shownUnitStatus(enRoute, [milestone('ack', now, 'created')])).toEqual({
      status: 'en_route', at: now - 10 * minute, pending: false,
    })
    expect(shownUnitStatus(enRoute, [milestone('cleared', now, 'created')]).status).toBe('en_route')
    expect(shownUnitStatus(enRoute, [milestone('on_scene', now, 'synced')]).status).toBe('en_route')
  })

  it('never hides an SOS the server holds', () => {
    const sos = { ...server, status: 'sos', status_at: now - 2 * minute }
    expect(shownUnitStatus(sos, [milestone('on_scene', now, 'created')]).status).toBe('sos')
  })

  it('is SOS at once after an SOS pressed out of coverage', () => {
    // The header said "En route" under the SOS banner until the phone was back.
    const sos = { id: 'ev_sos', kind: 'sos', payload: '{"last_lat":47.9}', device_time: now, _status: 'created' }
    expect(shownUnitStatus(enRoute, [milestone('on_scene', now - minute, 'created'), sos])).toEqual({
      status: 'sos', at: now, pending: true,
    })
    expect(shownUnitStatus(enRoute, [sos, milestone('on_scene', now + minute, 'created')]).status).toBe('sos')
  })
})
