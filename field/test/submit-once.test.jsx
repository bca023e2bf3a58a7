// @vitest-environment happy-dom
// A note or an outcome tapped twice was recorded twice: on a slow phone writing it takes a
// moment, the box still held the text and its button was on, and the second tap of a double
// tap (or the tap of an officer who saw nothing happen) submitted the form again — the desk
// read the note twice, the chief's report counted two outcomes. While one is being written the
// button is off and a second submit records nothing; the next note is taken once it is written.
import { describe, expect, it, vi } from 'vitest'
import { act } from 'preact/test-utils'
import { callScreen, clearedCall } from './cleared-call.jsx'

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
