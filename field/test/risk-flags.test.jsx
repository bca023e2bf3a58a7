// @vitest-environment happy-dom
// The last follow-up visit on a DV call's risk flags is an instant (the server sends
// `2026-03-11T20:30:00+00:00`). The phone cut it to its UTC date and added the year: a visit
// made this morning read "2026 ж. 5 жел.", one made at 01:30 Almaty time read as the day
// before. Now it says the Almaty time, with the date when not today.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { RiskFlags } from '../src/ui/Calls.jsx'

const now = Date.UTC(2026, 2, 12, 9, 0) // 12 March, 14:00 in Almaty

async function flagsShown(lang, flag) {
  const incident = { risk_flags: JSON.stringify([{ flag: 'risk_subject', label: 'ул. Абая 7', prior_dv_calls: 2, ...flag }]) }
  const root = document.createElement('div')
  await act(() => render(<RiskFlags lang={lang} incident={incident} now={now} />, root))
  return root.querySelector('li').textContent
}

describe('the last follow-up visit on the risk flags', () => {
  it('is the Almaty time when it was today, even when it was yesterday in UTC', async () => {
    const flag = { last_follow_up_at: '2026-03-11T20:30:00+00:00' } // 01:30 on the 12th in Almaty
    expect(await flagsShown('ru', flag)).toContain('Последнее контрольное посещение: 01:30')
    expect(await flagsShown('kk', flag)).toContain('Соңғы бақылау сапары: 01:30')
  })

  it('has the date, without this year, when it was another day', async () => {
    const flag = { last_follow_up_at: '2026-03-10T05:00:00+00:00' }
    expect(await flagsShown('kk', flag)).toContain('Соңғы бақылау сапары: 10 нау. 10:00')
    expect(await flagsShown('en', flag)).toContain('Last follow-up visit: 10 Mar 10:00')
  })

  it('keeps a protective order’s expiry a date with its year', async () => {
    const flag = { protective_order_until: '2026-04-01', protective_order_active: true }
    expect(await flagsShown('ru', flag)).toContain('Защитное предписание действует до 1 апр. 2026\u00a0г.')
  })
})
