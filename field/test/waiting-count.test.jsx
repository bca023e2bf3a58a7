// @vitest-environment happy-dom
// "Facts waiting" counts what the officer recorded. On duty, the phone's own position reports
// (a `location` event a minute, sent with the next sync) kept it at "Ждут отправки: 1" with
// the signal up and nothing tapped, and the officer tapped "Обновить" over and over.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { SyncStatus } from '../src/ui/common.jsx'

const now = Date.UTC(2026, 2, 12, 9, 0)
const event = (id, kind) => ({ id, kind, payload: '{}', device_time: now, _status: 'created' })

async function waitingLine(events) {
  const state = { lang: 'ru', online: true, now, sync: { lastSyncOk: now }, data: { events } }
  const root = document.createElement('div')
  await act(() => render(<SyncStatus app={{ syncNow: () => undefined }} state={state} />, root))
  return root.querySelector('.waiting').textContent
}

describe('the facts waiting to be sent', () => {
  it('leave out the phone’s position reports', async () => {
    expect(await waitingLine([event('ev_1', 'location')])).toBe('Всё отправлено')
    expect(await waitingLine([event('ev_1', 'location'), event('ev_2', 'on_scene'), event('ev_3', 'note')])).toBe(
      'Ждут отправки: 2',
    )
  })
})
