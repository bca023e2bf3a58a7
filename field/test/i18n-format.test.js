import { describe, expect, it, vi } from 'vitest'
import { distanceM, formatAge, formatDate, formatDistance, formatPhone, formatTime } from '../src/format.js'
import {
  LANGUAGES, codeValues, hasAllKeys, label, missingCodes, normaliseLanguage, phoneLanguage, reasonText, t,
} from '../src/i18n.js'

describe('i18n', () => {
  it('has every message and every code in Kazakh, Russian and English', () => {
    expect(hasAllKeys()).toBe(true)
    expect(missingCodes()).toEqual([])
    expect(LANGUAGES).toEqual(['kk', 'ru', 'en'])
  })

  it('fills placeholders and falls back to Russian for an unknown language', () => {
    expect(t('en', 'waiting', { n: 3 })).toBe('Waiting to be sent: 3')
    expect(t('kk', 'waiting', { n: 3 })).toBe('Жіберуді күтуде: 3')
    expect(t('xx', 'waiting', { n: 3 })).toBe('Ждут отправки: 3')
    expect(normaliseLanguage('de')).toBe('ru')
  })

  it("reads the phone's language before enrolment, Russian where the app does not speak it", () => {
    expect(phoneLanguage({ languages: ['kk-KZ', 'ru-RU'], language: 'kk-KZ' })).toBe('kk')
    expect(phoneLanguage({ languages: ['de-DE', 'en-GB'], language: 'de-DE' })).toBe('en')
    expect(phoneLanguage({ languages: [], language: 'ru' })).toBe('ru')
    expect(phoneLanguage({ languages: ['uz-UZ'], language: 'uz-UZ' })).toBe('ru')
    expect(phoneLanguage(undefined)).toBe('ru')
  })

  it('labels code values and shows an unknown server code as it is', () => {
    expect(label('ru', 'outcome_code', 'criminal_case')).toBe('Возбуждено дело (ЕРДР)')
    expect(label('kk', 'unit_status', 'available')).toBe('Бос')
    expect(label('en', 'category', 'camel_theft')).toBe('camel_theft')
    expect(codeValues('outcome_code')).toHaveLength(11)
  })

  it('never words what the server made of a fact as a call’s status', () => {
    // Kazakh "my facts" read "Телефонға жетті — Қабылданды" on a call not yet touched: the
    // server's "accepted" in the call's word for "acknowledged", on the same screen
    for (const lang of LANGUAGES) {
      const statuses = codeValues('assignment_status').map((status) => label(lang, 'assignment_status', status))
      for (const key of ['fact_applied', 'fact_recorded', 'fact_sent', 'fact_waiting', 'visit_applied']) {
        expect(statuses, `${lang} ${key}`).not.toContain(t(lang, key).split(':')[0])
      }
    }
    expect(t('kk', 'fact_applied')).toBe('Кезекші бөлім алды')
  })

  it('says a delivered call reached the phone, not the scene, as the timeline does', () => {
    // "Жетті" alone read as "arrived on scene"; "Доставлен" as a person brought in
    expect(label('kk', 'assignment_status', 'delivered')).toBe('Телефонға жетті')
    expect(label('ru', 'assignment_status', 'delivered')).toBe('Доставлен на телефон')
    expect(label('en', 'assignment_status', 'delivered')).toBe('Delivered to phone')
    // the words of "my facts" (Russian: the call, masculine; the fact there, neuter)
    expect(label('kk', 'event_kind', 'delivered')).toBe('Телефонға жетті')
    expect(label('ru', 'event_kind', 'delivered')).toBe('Доставлено на телефон')
  })

  it("says the server's own stand-down reason in words and a duty officer's as typed", () => {
    expect(reasonText('kk', 'incident closed')).toBe('шақыру жабылды')
    expect(reasonText('ru', 'incident closed')).toBe('вызов закрыт')
    expect(reasonText('ru', 'Заявитель перезвонил')).toBe('Заявитель перезвонил')
  })

  it('says why a unit was taken off a call for a more urgent one', () => {
    expect(reasonText('kk', 'diverted to a more urgent call')).toBe('шұғылырақ шақыруға жіберілді')
    expect(reasonText('ru', 'diverted to a more urgent call')).toBe('направлен на более срочный вызов')
    expect(reasonText('en', 'diverted to a more urgent call')).toBe('sent to a more urgent call')
  })
})

describe('times in Kazakhstan (UTC+5)', () => {
  const now = Date.UTC(2026, 2, 12, 9, 0) // 14:00 in Almaty
  it('shows only the time today and the date on another day', () => {
    expect(formatTime('en', Date.UTC(2026, 2, 12, 4, 7), now)).toBe('09:07')
    // 19:30 UTC on the 11th is 00:30 on the 12th in Almaty: still today.
    expect(formatTime('en', Date.UTC(2026, 2, 11, 19, 30), now)).toBe('00:30')
    // 18:59 UTC on the 11th is 23:59 on the 11th: yesterday, with its date.
    expect(formatTime('en', Date.UTC(2026, 2, 11, 18, 59), now)).toBe('11 Mar 23:59')
    expect(formatTime('ru', Date.UTC(2025, 11, 31, 5, 0), now)).toMatch(/^31 дек\.? 2025(\u00a0г\.)? 10:00$/)
  })

  it('keeps the Russian year’s "г." on the year’s line', () => {
    // at 360 px "Защитное предписание действует до 26 дек. 2026" ended a line, "г." alone below
    expect(formatDate('ru', '2026-12-26')).toBe('26 дек. 2026\u00a0г.')
  })

  it('writes Kazakh dates itself, also where the browser has no Kazakh locale data', () => {
    // given: a browser like Debian's chromium, which formats kk-KZ as its root locale
    const Real = Intl.DateTimeFormat
    const spy = vi.spyOn(Intl, 'DateTimeFormat').mockImplementation(function (locale, options) {
      return new Real(String(locale).startsWith('kk') ? 'und' : locale, options)
    })
    try {
      // then
      expect(formatTime('kk', Date.UTC(2026, 11, 7, 17, 15), now)).toBe('7 жел. 22:15')
      expect(formatTime('kk', Date.UTC(2025, 2, 11, 18, 59), now)).toBe('2025 ж. 11 нау. 23:59')
      expect(formatDate('kk', '2026-04-01')).toBe('2026 ж. 1 сәу.')
    } finally {
      spy.mockRestore()
    }
  })

  it('formats dates and ages without epoch numbers', () => {
    expect(formatDate('en', '2026-04-01')).toBe('1 Apr 2026')
    expect(formatAge('en', now - 30_000, now)).toBe('just now')
    expect(formatAge('en', now - 7 * 60_000, now)).toBe('7 min')
    expect(formatAge('ru', now - 125 * 60_000, now)).toBe('2 ч 05 мин')
    expect(formatAge('kk', now - 26 * 3600_000, now)).toBe('1 күн 2 сағ')
  })
})

describe('distance', () => {
  it('measures great-circle distance and shows metres or kilometres', () => {
    // Ayagoz to Aktogay (Abai oblast) is about 141 km in a straight line.
    const d = distanceM(47.96447, 80.43437, 46.95, 79.66667)
    expect(d).toBeGreaterThan(125_000)
    expect(d).toBeLessThan(130_000)
    expect(formatDistance('en', d)).toBe('127 km')
    expect(formatDistance('ru', 12_440)).toBe('12,4 км')
    expect(formatDistance('en', 843)).toBe('840 m')
  })

  it('writes a Kazakh decimal with a comma, also where the browser has no Kazakh number data', () => {
    // given: Debian's chromium, which formats kk-KZ numbers as its root locale ("3.3")
    const Real = Intl.NumberFormat
    const spy = vi.spyOn(Intl, 'NumberFormat').mockImplementation(function (locale, options) {
      return new Real(String(locale).startsWith('kk') ? 'und' : locale, options)
    })
    try {
      // then: as in Russian
      expect(formatDistance('kk', 3_300)).toBe('3,3 км')
      expect(formatDistance('ru', 3_300)).toBe('3,3 км')
      expect(formatDistance('kk', 141_000)).toBe('141 км')
      expect(formatDistance('en', 3_300)).toBe('3.3 km')
    } finally {
      spy.mockRestore()
    }
  })
})

describe('formatPhone', () => {
  it('writes a Kazakhstan number as people say it, anything else as it came', () => {
    expect(formatPhone('+77015551234')).toBe('+7 701 555 12 34')
    expect(formatPhone('+7 (701) 555-12-34')).toBe('+7 701 555 12 34')
    expect(formatPhone('102')).toBe('102')
    expect(formatPhone('')).toBe('')
  })
})

describe('priorities', () => {
  it('name P1 by the crime, as the console does, not by a bare "just now"', () => {
    // "P1 — только что" headed a call beside "направлен 12:33 · только что": it read as a
    // time, and a three-day-old call still said "just now". The console's words are these.
    expect(label('ru', 'priority', 'P1')).toBe('P1 — преступление только что')
    expect(label('kk', 'priority', 'P1')).toBe('P1 — қылмыс жаңа ғана болды')
    expect(label('en', 'priority', 'P1')).toBe('P1 — crime just happened')
  })
})
