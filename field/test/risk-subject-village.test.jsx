// @vitest-environment happy-dom
// A DV call's risk box named each subject by its address alone: the caller's phone matches
// subjects anywhere in the district, so three farms in three villages read "ферма · Прежних
// вызовов: 3 / 2 / 1", as if one. Each subject now says its village, in the officer's
// language. And the box's heading says "domestic violence" already (the call's title too):
// it no longer repeats it as a line of its own.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { RiskFlags } from '../src/ui/Calls.jsx'

const flags = [
  { flag: 'domestic_violence' },
  { flag: 'risk_subject', kind: 'address', label: 'ферма', settlement_id: 12, settlement_name: 'Мадениет', settlement_name_kk: 'Мәдениет', prior_dv_calls: 3 },
  { flag: 'risk_subject', kind: 'address', label: 'ферма', settlement_id: 13, settlement_name: 'Кайнар', settlement_name_kk: '', prior_dv_calls: 2 },
]

async function box(lang, shown = flags) {
  const root = document.createElement('div')
  await act(() => render(<RiskFlags lang={lang} incident={{ risk_flags: JSON.stringify(shown) }} />, root))
  return root
}

describe('a DV call’s risk subjects', () => {
  it('each say their village, in the officer’s language', async () => {
    const ru = [...(await box('ru')).querySelectorAll('li')].map((li) => li.textContent)
    expect(ru).toEqual(['ферма, МадениетПрежних вызовов: 3', 'ферма, КайнарПрежних вызовов: 2'])
    const kk = [...(await box('kk')).querySelectorAll('li strong')].map((s) => s.textContent)
    expect(kk).toEqual(['ферма, Мәдениет', 'ферма, Кайнар'])
  })

  it('keep the label alone on a flag kept before the village was sent', async () => {
    const old = [{ flag: 'domestic_violence' }, { flag: 'risk_subject', label: 'ул. Абая 7', prior_dv_calls: 1 }]
    expect((await box('ru', old)).querySelector('li strong').textContent).toBe('ул. Абая 7')
  })

  it('are not preceded by a line repeating the heading', async () => {
    const root = await box('ru')
    expect(root.querySelector('h2').textContent).toBe('Факторы риска (бытовое насилие)')
    expect(root.querySelectorAll('li')).toHaveLength(2)
    expect(root.textContent).not.toContain('Бытовое насилие')
  })
})
