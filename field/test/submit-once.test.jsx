// @vitest-environment happy-dom
// A note or an outcome tapped twice was recorded twice: on a slow phone writing it takes a
// moment, the box still held the text and its button was on, and the second tap of a double
// tap (or the tap of an officer who saw nothing happen) submitted the form again — the desk
// read the note twice, the chief's report counted two outcomes. While one is being written the
// button is off and a second submit records nothing; the next note is taken once it is written.
// The same for the unit's status buttons (two status changes on the desk's timeline) and the
// follow-up visit's form (ui/hooks.js: useSubmitOnce).
import { describe, expect, it, vi } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { UnitScreen } from '../src/ui/App.jsx'
import { VisitDetail } from '../src/ui/Visits.jsx'
import { callScreen, clearedCall, now } from './cleared-call.jsx'

async function change(element, value, type) {
  await act(() => {
    element.value = value
    element.dispatchEvent(new Event(type, { bubbles: true }))
  })
}

const submit = (form) => act(() => form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true })))

/** An app whose ``method`` writes only when the test says: ``done()`` ends the oldest write. */
function slowApp(method) {
  const pending = []
  const app = {
    locateOnce: () => undefined,
    setOnDuty: () => undefined,
    setLanguage: () => undefined,
    [method]: vi.fn(() => new Promise((resolve) => pending.push(resolve))),
  }
  return { app, done: () => act(async () => pending.shift()(null)) }
}

describe('a note or an outcome tapped twice', () => {
  it('is one note, the button off while it is written, and the next note is taken after', async () => {
    // given
    const { app, done } = slowApp('note')
    const root = await callScreen(clearedCall(), app)
    const form = root.querySelector('form.note')
    await change(form.querySelector('textarea'), 'Заявитель не открывает', 'input')

    // when: two taps before the first is written
    await submit(form)
    await submit(form)

    // then
    expect(app.note.mock.calls).toEqual([['7', 'Заявитель не открывает']])
    expect(form.querySelector('button[type=submit]').disabled).toBe(true)

    // when: written, and another note
    await done()
    expect(form.querySelector('textarea').value).toBe('')
    await change(form.querySelector('textarea'), 'Дверь открыли', 'input')
    expect(form.querySelector('button[type=submit]').disabled).toBe(false)
    await submit(form)

    // then
    expect(app.note.mock.calls.map((c) => c[1])).toEqual(['Заявитель не открывает', 'Дверь открыли'])
  })

  it('is one outcome', async () => {
    const { app, done } = slowApp('outcome')
    const root = await callScreen(clearedCall(), app)
    const form = root.querySelector('form.outcome')
    await change(form.querySelector('#outcome-code'), 'warning', 'change')

    await submit(form)
    await submit(form)

    expect(app.outcome).toHaveBeenCalledTimes(1)
    expect(form.querySelector('button[type=submit]').disabled).toBe(true)
    await done()
    expect(form.querySelector('#outcome-code').value).toBe('')
  })
})

async function rendered(vnode) {
  const root = document.createElement('div')
  document.body.append(root)
  await act(() => render(vnode, root))
  return root
}

describe('a unit status tapped twice', () => {
  const state = {
    lang: 'ru',
    now,
    unit: { id: '4', callsign: 'SEM-UI1' },
    officer: { username: 'sem_ui1_1' },
    onDuty: true,
    position: { fix: null, denied: false },
    data: { units: { 4: { id: '4', status: 'busy', status_at: now - 60_000 } }, events: [] },
  }

  it('is one status change, the buttons off while it is written, and the next tap is taken after', async () => {
    // given
    const { app, done } = slowApp('unitStatus')
    const root = await rendered(<UnitScreen app={app} state={state} />)
    const button = (name) => [...root.querySelectorAll('.status-buttons button')].find((b) => b.textContent === name)

    // when: two taps before the screen redraws
    await act(() => {
      button('Свободен').click()
      button('Свободен').click()
    })

    // then
    expect(app.unitStatus.mock.calls).toEqual([['available']])
    expect([...root.querySelectorAll('.status-buttons button')].map((b) => b.disabled)).toEqual([true, true, true])

    // when: written, and another status
    await done()
    expect(button('Занят').disabled).toBe(false)
    await act(() => button('Занят').click())

    // then
    expect(app.unitStatus.mock.calls).toEqual([['available'], ['busy']])
  })
})

describe('a follow-up visit tapped twice', () => {
  const state = {
    lang: 'ru',
    now,
    deviceId: 'dev_phone',
    position: { fix: null },
    answers: {},
    data: {
      assignments: [],
      events: [],
      settlements: {},
      incidents: { 1: { id: '1', category: 'domestic_violence', priority: 'P1', received_at: now - 86_400_000, risk_flags: '' } },
      followUps: [{ id: '10', incident_id: '1', unit_id: '4', due_at: now + 3_600_000, done_at: null, note: '' }],
    },
  }

  it('is one visit, the button off while it is written', async () => {
    const { app } = slowApp('followUpVisit')
    app.locateOnce = () => undefined
    const root = await rendered(<VisitDetail app={app} state={state} id="10" />)
    const form = root.querySelector('form.visit-form')
    await change(form.querySelector('textarea'), 'Всё спокойно', 'input')

    await act(() => {
      form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }))
      form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }))
    })

    expect(app.followUpVisit.mock.calls).toEqual([['10', 'Всё спокойно']])
    expect(form.querySelector('button[type=submit]').disabled).toBe(true)
  })
})
