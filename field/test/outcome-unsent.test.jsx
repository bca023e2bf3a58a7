// @vitest-environment happy-dom
// An outcome recorded out of coverage read "Outcome recorded" in green, as one the desk had:
// the officer drove off thinking the desk knew how the call ended. Until it is sent it says it
// is on the phone, waiting for the signal, as a milestone does.
import { describe, expect, it } from 'vitest'
import { callScreen, clearedCall, minute, now } from './cleared-call.jsx'

const outcome = (_status) => ({
  id: 'ev_outcome', kind: 'outcome', assignment_id: '7', incident_id: '3', device_id: 'dev_this_phone',
  device_time: now - 5 * minute, payload: JSON.stringify({ code: 'warning', text: 'Беседа проведена' }), _status,
})

async function saved(events, lang = 'ru') {
  const root = await callScreen(clearedCall({ lang, events }))
  return root.querySelector('form.outcome .saved')
}

describe('the outcome recorded on this phone', () => {
  it('says it waits for the signal while it has not been sent', async () => {
    const line = await saved([outcome('created')])
    expect(line.textContent).toBe('Результат сохранён в телефоне, ждёт связи: Вынесено предупреждение · Беседа проведена')
    expect(line.className).toContain('pending')
    const kk = await saved([outcome('created')], 'kk')
    expect(kk.textContent).toMatch(/^Нәтиже телефонда сақталды, байланыс күтуде: /)
  })

  it('says it is recorded once sent', async () => {
    const line = await saved([outcome('synced')])
    expect(line.textContent).toBe('Результат записан: Вынесено предупреждение · Беседа проведена')
    expect(line.className).not.toContain('pending')
  })
})
