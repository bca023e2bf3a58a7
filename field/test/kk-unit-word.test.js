// A unit and its crew are «наряд» in Kazakh on the duty console (the server's catalog test
// keeps it so); the field app's Kazakh said «жасақ» — "Шақыру сіздің жасақтан алынды",
// "Жасақ күйі" — two words for one crew between the desk and the officer.
import { describe, expect, it } from 'vitest'
import { allTexts, label, t } from '../src/i18n.js'

describe('the Kazakh word for a unit', () => {
  it('is «наряд» in every message and code word', () => {
    const texts = allTexts('kk')
    expect(texts.length).toBeGreaterThan(250)
    expect(texts.filter((text) => /жаса(қ|ғ[ыі])/i.test(text))).toEqual([])
  })

  it('takes its case endings', () => {
    expect(t('kk', 'alert_withdrawn')).toBe('Шақыру сіздің нарядыңыздан алынды')
    expect(t('kk', 'superseded_line', { t: '13:00' })).toBe('басқа нарядқа берілді 13:00')
    expect(t('kk', 'unit_status')).toBe('Наряд күйі')
    expect(label('kk', 'event_kind', 'unit_status')).toBe('Наряд күйі')
    expect(t('kk', 'fact_not_assignee')).toBe('Сіздің нарядыңыздың шақыруы емес — бастыққа жіберілді')
  })
})
