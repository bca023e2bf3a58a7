// @vitest-environment happy-dom
// A call reported long before it was dispatched (an app report from last night, a queue on a
// busy shift) said only "Направлен 12:58": the officer drove to a fight from yesterday as if it
// were going on. The call screen now says when the call came in, with its date when not
// today, where that was ten minutes or more before the dispatch.
import { describe, expect, it } from 'vitest'
import { callScreen, clearedCall, minute, now } from './cleared-call.jsx'

function call(receivedBeforeDispatch, lang = 'ru') {
  const state = clearedCall({ lang })
  const dispatched = state.data.assignments[0].dispatched_at // 12:30 in Almaty
  state.data.incidents['3'].received_at = dispatched - receivedBeforeDispatch
  return state
}

describe('when the call came in', () => {
  it('is said on the call screen, with its date, when it was yesterday', async () => {
    const root = await callScreen(call(26 * 60 * minute))
    expect(root.querySelector('.detail-head .received').textContent).toBe('Вызов поступил 11 мар. 10:30')
    const kk = await callScreen(call(26 * 60 * minute, 'kk'))
    expect(kk.querySelector('.detail-head .received').textContent).toBe('Шақыру түскен уақыт: 11 нау. 10:30')
  })

  it('is said for a call that waited, and left out for one dispatched at once', async () => {
    expect((await callScreen(call(25 * minute))).querySelector('.detail-head .received').textContent).toBe(
      'Вызов поступил 12:05',
    )
    expect((await callScreen(call(2 * minute))).querySelector('.detail-head .received')).toBeNull()
  })
})
