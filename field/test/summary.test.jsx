// @vitest-environment happy-dom
// A call's summary, with its description only where it adds something. A call entered at the
// duty desk carries the summary as its description too, and the phone printed "Кратко: Украли
// велосипед у подъезда — Украли велосипед у подъезда".
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { IncidentFacts } from '../src/ui/Calls.jsx'

async function summaryShown(incident) {
  const state = { lang: 'ru', data: { settlements: {} }, position: { fix: null } }
  const root = document.createElement('div')
  await act(() => render(<IncidentFacts state={state} incident={{ settlement_id: null, ...incident }} />, root))
  const term = [...root.querySelectorAll('dt')].find((dt) => dt.textContent === 'Кратко')
  return term?.nextElementSibling.textContent ?? null
}

describe('the summary on the call screen', () => {
  it('is said once when the description repeats it', async () => {
    const summary = 'Украли велосипед у подъезда'
    expect(await summaryShown({ summary, description: summary })).toBe(summary)
    expect(await summaryShown({ summary, description: ' украли велосипед  у подъезда.\n' })).toBe(summary)
  })

  it('keeps what the description adds after repeating the summary as its first line', async () => {
    const text = await summaryShown({
      summary: 'Украли велосипед у подъезда',
      description: 'Украли велосипед у подъезда\nСиний «Stels», заявитель ждёт у подъезда',
    })
    expect(text).toBe('Украли велосипед у подъезда — Синий «Stels», заявитель ждёт у подъезда')
  })

  it('joins a description that says more, and shows either alone', async () => {
    expect(await summaryShown({ summary: 'Драка во дворе', description: 'Трое, один с ножом' })).toBe(
      'Драка во дворе — Трое, один с ножом',
    )
    expect(await summaryShown({ summary: '', description: 'Трое, один с ножом' })).toBe('Трое, один с ножом')
    expect(await summaryShown({ summary: 'Драка во дворе', description: null })).toBe('Драка во дворе')
    expect(await summaryShown({ summary: '', description: '' })).toBeNull()
  })
})
