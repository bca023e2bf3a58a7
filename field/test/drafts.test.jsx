// @vitest-environment happy-dom
// The officer types a note on a call — the car's plate, what a witness said — and a new call's
// alert takes him to the list, or Android closes the app in his pocket: back on the call, the
// box was empty and the words gone. What he types in the note, outcome and visit boxes is
// kept on the phone until he records it, per call, and forgotten when the phone is handed on.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { flush } from '../src/db.js'
import { Handover } from '../src/ui/App.jsx'
import { CallDetail } from '../src/ui/Calls.jsx'
import { fakeServer as server, testPhone } from './phone-harness.js'

const minute = 60_000
const call = (id) => ({
  id, number: `1010-2026-00005${id}`, channel: 'phone_102', category: 'violence', priority: 'P1',
  status: 'active', received_at: Date.now() - 40 * minute, district_id: '1', settlement_id: null,
  landmark: 'ул. Абая, 12', summary: 'Драка', risk_flags: '[]',
})
const cleared = (id, incidentId) => ({
  id, incident_id: incidentId, unit_id: '4', status: 'cleared', dispatched_at: Date.now() - 38 * minute,
  acknowledged_at: Date.now() - 37 * minute, en_route_at: Date.now() - 36 * minute,
  on_scene_at: Date.now() - 30 * minute, cleared_at: Date.now() - 5 * minute,
})

/** The call screen of assignment ``id`` as the app shows it now; returns its root. */
async function open(app, id) {
  const root = document.createElement('div')
  document.body.replaceChildren(root)
  await act(() => render(<CallDetail app={app} state={app.store.get()} id={id} />, root))
  return root
}

async function type(root, selector, words) {
  const box = root.querySelector(selector)
  box.value = words
  await act(() => box.dispatchEvent(new Event(box.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true })))
}

const PLATE = 'Уехал на белой «Ниве», номер 123ABC05'

describe('what the officer was typing', () => {
  it('is there again when he comes back to the call, and after a restart', async () => {
    // given: two calls on the phone
    const { state, api } = server()
    const { app, sync, storage } = await testPhone(api)
    state.incidents = [call('3'), call('5')]
    state.assignments = [cleared('7', '3'), cleared('9', '5')]
    await sync()

    // when: he types a note and an outcome on one, and leaves it for the other call
    let root = await open(app, '7')
    await type(root, '#note-text', PLATE)
    await type(root, '#outcome-code', 'arrest')
    await type(root, '#outcome-text', 'Доставлен в отдел')
    await act(() => render(null, root))
    root = await open(app, '9')

    // then: the other call's boxes are its own (empty)
    expect(root.querySelector('#note-text').value).toBe('')
    expect(root.querySelector('#outcome-text').value).toBe('')

    // when: he comes back to the first
    root = await open(app, '7')

    // then: his words are there
    expect(root.querySelector('#note-text').value).toBe(PLATE)
    expect(root.querySelector('#outcome-code').value).toBe('arrest')
    expect(root.querySelector('#outcome-text').value).toBe('Доставлен в отдел')

    // when: the app is closed and opened again on the same phone
    await flush(app.database) // what LokiJS's autosave does within half a second
    const again = await testPhone(api, { storage })
    await again.sync()
    root = await open(again.app, '7')

    // then: still there
    expect(root.querySelector('#note-text').value).toBe(PLATE)
    expect(root.querySelector('#outcome-text').value).toBe('Доставлен в отдел')

    // when: he records the note
    await act(async () => {
      const form = root.querySelector('form.note')
      form.requestSubmit(form.querySelector('button'))
      await new Promise((resolve) => setTimeout(resolve, 50))
    })

    // then: the box is empty, and stays so when he comes back
    expect(root.querySelector('#note-text').value).toBe('')
    root = await open(again.app, '7')
    expect(root.querySelector('#note-text').value).toBe('')
    expect(again.app.draft('note:7')).toBe('')
  })

  it('is forgotten once its call or visit has left the phone, and kept while it is on it', async () => {
    // given: words typed on two calls and a follow-up visit, all on the phone
    const { state, api } = server()
    const gone = { assignments: [], follow_ups: [] }
    const followUps = [{ id: '40', incident_id: '3', unit_id: '4', due_at: Date.now() + 60 * minute, done_at: null, note: '' }]
    const pull = api.pull
    api.pull = async (...args) => {
      const body = await pull(...args)
      body.changes.assignments.deleted = gone.assignments
      body.changes.follow_ups = { created: [], updated: followUps.filter((f) => !gone.follow_ups.includes(f.id)), deleted: gone.follow_ups }
      return body
    }
    const { app, sync, storage } = await testPhone(api)
    state.incidents = [call('3'), call('5')]
    state.assignments = [cleared('7', '3'), cleared('9', '5')]
    await sync()
    await app.setDraft('note:7', PLATE)
    await app.setDraft('outcome:7:text', 'Доставлен в отдел')
    await app.setDraft('note:9', 'Соседи видели машину')
    await app.setDraft('visit:40', 'Дверь не открыли')

    // when: the desk closes the first call, and the phone syncs with it still in scope
    state.incidents = [{ ...call('3'), status: 'closed' }, call('5')]
    await sync()

    // then: every draft is kept (the call is still on the phone)
    expect(app.draft('note:7')).toBe(PLATE)
    expect(app.draft('visit:40')).toBe('Дверь не открыли')

    // when: the closed call and the visit leave the phone's scope
    state.incidents = [call('5')]
    state.assignments = [cleared('9', '5')]
    gone.assignments = ['7']
    gone.follow_ups = ['40']
    await sync()

    // then: their words are forgotten, on the phone's storage too; the other call's stay
    expect(app.store.get().data.assignments.map((a) => a.id)).toEqual(['9'])
    expect(app.draft('note:7')).toBe('')
    expect(app.draft('outcome:7:text')).toBe('')
    expect(app.draft('visit:40')).toBe('')
    expect(app.draft('note:9')).toBe('Соседи видели машину')
    expect(await app.database.localStorage.get('kuzet_drafts')).toEqual({ 'note:9': 'Соседи видели машину' })
    expect(app.draftCalls()).toEqual(['№\u00a01010-2026-000055'])

    // and a restart finds only what is left
    await flush(app.database)
    const again = await testPhone(api, { storage })
    await again.sync()
    expect(again.app.draft('note:7')).toBe('')
    expect(again.app.draft('note:9')).toBe('Соседи видели машину')
  })

  it('is not the next officer’s after a handover', async () => {
    // given: a note half typed
    const { state, api } = server()
    const { app, sync } = await testPhone(api)
    state.incidents = [call('3')]
    state.assignments = [cleared('7', '3')]
    await sync()
    const root = await open(app, '7')
    await type(root, '#note-text', PLATE)

    // when: the next officer is enrolled on the phone
    await app._forgetOfficer()

    // then: nothing of it
    expect(app.draft('note:7')).toBe('')
    expect(await app.database.localStorage.get('kuzet_drafts')).toBeFalsy()
    expect((await open(app, '7')).querySelector('#note-text').value).toBe('')
  })

  it('stops a handover until he records it or hands over anyway, saying on which call', async () => {
    // given: everything sent, a note half typed on a call
    const { state, api } = server()
    const { app, sync } = await testPhone(api)
    state.incidents = [call('3')]
    state.assignments = [cleared('7', '3')]
    await sync()
    await type(await open(app, '7'), '#note-text', PLATE)

    // when: he taps "Hand this phone over"
    const result = await app.prepareHandover()

    // then: the phone is still his, and the screen says what would be erased
    expect(result).toEqual({ unsent: 0, drafts: ['№\u00a01010-2026-000053'] })
    expect(app.store.get().handover).toBe(false)
    const root = document.createElement('div')
    await act(() => render(<Handover app={app} lang="ru" drafts={app.store.get().handoverDrafts} />, root))
    expect(root.querySelector('.handover-drafts').textContent).toBe(
      'Есть набранный, но не записанный текст: №\u00a01010-2026-000053. Запишите его — при передаче телефона он будет удалён.',
    )
    await act(() => render(<Handover app={app} lang="kk" drafts={app.store.get().handoverDrafts} />, root))
    expect(root.querySelector('.handover-drafts').textContent).toBe(
      'Жазылмаған мәтін бар: №\u00a01010-2026-000053. Оны жазыңыз — телефон берілгенде ол өшіріледі.',
    )
    const [, anyway] = root.querySelectorAll('.handover button')
    expect(anyway.textContent).toBe('Бәрібір беру')

    // when: he records it, and taps again
    await app.note('7', PLATE)
    await app.setDraft('note:7', '')
    app.handOver = async () => app.store.set({ handover: true })

    // then: the note sent, the phone handed over
    expect(await app.prepareHandover()).toEqual({ unsent: 0 })
    expect(app.store.get().handover).toBe(true)
  })
})
