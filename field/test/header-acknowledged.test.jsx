// @vitest-environment happy-dom
// The header said "Направлен" (the unit's status on the server, which stays "dispatched" until
// en route) over a call card reading "Принят": on a phone handed over to the next officer he
// read that his colleague's acknowledgement had not reached the desk. With every open call of
// the unit acknowledged, the header and the unit screen say "Вызов принят", as the card does.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { Header, UnitScreen } from '../src/ui/App.jsx'

const now = Date.UTC(2026, 11, 6, 12, 0) // 17:00 in Almaty
const minute = 60_000
const unitRow = { id: '4', callsign: 'A-PC1', status: 'dispatched', status_at: now - 10 * minute }
const sent = (id, extra = {}) => ({
  id, incident_id: `i${id}`, unit_id: '4', status: 'dispatched', dispatched_at: now - 10 * minute, ...extra,
})
// The colleague's acknowledgement, as the server has it (the phone is now officer B's: dev_b).
const acknowledged = (id) => sent(id, { status: 'acknowledged', acknowledged_at: now - 8 * minute })
const ackOnThePhone = (assignmentId, at) => ({
  id: `ev_${assignmentId}`, kind: 'ack', assignment_id: assignmentId, payload: '{}', device_time: at, _status: 'created',
})

function stateWith(assignments, events = [], lang = 'ru') {
  return {
    lang, now, online: true, sync: { socketOpen: true }, deviceId: 'dev_b',
    unit: { id: '4', callsign: 'A-PC1' },
    officer: { username: 'b.serik', first_name: 'Серік', last_name: 'Бекұлы' },
    onDuty: true, position: { fix: null, denied: false },
    data: { units: { 4: unitRow }, assignments, events },
  }
}

async function rendered(node) {
  const root = document.createElement('div')
  await act(() => render(node, root))
  return root
}

const app = { sos: () => undefined, unitStatus: () => undefined, setOnDuty: () => undefined, setLanguage: () => undefined }
const headerState = async (state) => (await rendered(<Header app={app} state={state} />)).querySelector('.unit-state')

describe('the unit’s status in the header once its call is acknowledged', () => {
  it('says the call is acknowledged, as the call card does, on the phone handed over', async () => {
    const state = stateWith([acknowledged('7')])
    const chip = await headerState(state)
    expect(chip.textContent).toBe('Вызов принят')
    expect(chip.classList.contains('pending')).toBe(false)
    expect((await headerState(stateWith([acknowledged('7')], [], 'kk'))).textContent).toBe('Шақыру қабылданды')
    const unitScreen = await rendered(<UnitScreen app={app} state={state} />)
    expect(unitScreen.querySelector('.unit-status').textContent).toBe('Статус наряда: Вызов принят · 16:52')
  })

  it('says it at once for an acknowledgement tapped out of coverage, marked waiting', async () => {
    const chip = await headerState(stateWith([sent('7')], [ackOnThePhone('7', now - minute)]))
    expect(chip.textContent).toBe('Вызов принят')
    expect(chip.classList.contains('pending')).toBe(true)
  })

  it('stays "dispatched" while a call of the unit waits for its acknowledgement', async () => {
    expect((await headerState(stateWith([sent('7')]))).textContent).toBe('Направлен')
    expect((await headerState(stateWith([acknowledged('7'), sent('8')]))).textContent).toBe('Направлен')
    const ended = { ...sent('8'), status: 'cancelled' }
    expect((await headerState(stateWith([acknowledged('7'), ended]))).textContent).toBe('Вызов принят')
  })
})
