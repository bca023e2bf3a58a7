// Times, durations and distances as an officer reads them.
//
// Kazakhstan keeps one time, UTC+5, since 1 March 2024. Phones with an older time-zone
// database still put Asia/Almaty at UTC+6, so the app does not ask the phone's zone data:
// it shifts the instant by five hours and formats it as UTC.
import { t } from './i18n.js'

export const KZ_OFFSET_MS = 5 * 3600 * 1000
const LOCALES = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' }
// Kazakh dates are written by the app itself, as full ICU writes them ("7 жел.", "2026 ж.
// 7 жел."): browsers built without Kazakh locale data (Debian's chromium is one) wrote
// "M12 7" for a follow-up visit due on 7 December.
const KK_MONTHS = ['қаң.', 'ақп.', 'нау.', 'сәу.', 'мам.', 'мау.', 'шіл.', 'там.', 'қыр.', 'қаз.', 'қар.', 'жел.']

/** "12 мар.", "12 мар. 2026 г." — the date of ``date``'s UTC fields. The year's "г." is
 * held to its year by a no-break space: at 360 px a protective order's "действует до 26 дек.
 * 2026" ended its line and "г." stood alone on the next. */
function dayMonth(lang, date, withYear) {
  if (lang === 'kk') {
    const day = `${date.getUTCDate()} ${KK_MONTHS[date.getUTCMonth()]}`
    return withYear ? `${date.getUTCFullYear()} ж. ${day}` : day
  }
  return new Intl.DateTimeFormat(LOCALES[lang] ?? LOCALES.ru, {
    timeZone: 'UTC',
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: 'numeric' } : {}),
  })
    .format(date)
    .replace(/(\d) г\.$/, '$1\u00a0г.')
}

function parts(ms) {
  const d = new Date(ms + KZ_OFFSET_MS)
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth(), d: d.getUTCDate(), date: d }
}

function sameDay(a, b) {
  const x = parts(a)
  const y = parts(b)
  return x.y === y.y && x.mo === y.mo && x.d === y.d
}

/** "14:05" today (Almaty), "12 мар. 14:05" another day, with the year when not this year. */
export function formatTime(lang, ms, now = Date.now()) {
  if (ms == null) return ''
  const { date } = parts(ms)
  const locale = LOCALES[lang] ?? LOCALES.ru
  const time = new Intl.DateTimeFormat(locale, {
    timeZone: 'UTC',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(date)
  if (sameDay(ms, now)) return time
  return `${dayMonth(lang, date, parts(ms).y !== parts(now).y)} ${time}`
}

/** A calendar date ("2026-03-12" from the server, or ms) as "12 мар. 2026". */
export function formatDate(lang, value) {
  if (!value) return ''
  const ms = typeof value === 'number' ? value + KZ_OFFSET_MS : Date.parse(`${value.slice(0, 10)}T00:00:00Z`)
  if (Number.isNaN(ms)) return String(value)
  return dayMonth(lang, new Date(ms), true)
}

/** How long ago: "3 мин", "2 ч 5 мин", "1 д 4 ч"; "только что" under a minute. */
export function formatAge(lang, fromMs, now = Date.now()) {
  if (fromMs == null) return ''
  const minutes = Math.max(0, Math.floor((now - fromMs) / 60000))
  if (minutes < 1) return t(lang, 'just_now')
  if (minutes < 60) return t(lang, 'minutes_short', { n: minutes })
  const hours = Math.floor(minutes / 60)
  // "2 ч 05 мин", as the console writes it (it read "2 ч 5 мин" beside the board's "05")
  if (hours < 24) return t(lang, 'hours_short', { h: hours, m: String(minutes % 60).padStart(2, '0') })
  return t(lang, 'days_short', { d: Math.floor(hours / 24), h: hours % 24 })
}

const EARTH_RADIUS_M = 6371008.8

/** Great-circle distance in metres. */
export function distanceM(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180
  const dLat = (lat2 - lat1) * rad
  const dLon = (lon2 - lon1) * rad
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)))
}

// Kazakh writes numbers as Russian does (CLDR's kk and ru alike: a decimal comma, groups of
// three after a no-break space), so Kazakh numbers are formatted with Russian's rules:
// Debian's chromium has no Kazakh number data (though Intl says it supports kk-KZ) and wrote
// "3.3 км" for a Kazakh officer where the Russian one read "3,3 км".
const NUMBER_LOCALES = { ...LOCALES, kk: LOCALES.ru }

/** ``value`` as the officer's language writes it, with exactly ``digits`` decimals. */
export function formatNumber(lang, value, digits = 0) {
  const locale = NUMBER_LOCALES[lang] ?? NUMBER_LOCALES.ru
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value)
}

/** "850 м", "12,4 км", "140 км" (straight line; roads are longer). */
export function formatDistance(lang, metres) {
  if (metres == null || Number.isNaN(metres)) return ''
  if (metres < 1000) return t(lang, 'm', { n: formatNumber(lang, Math.round(metres / 10) * 10) })
  const km = metres / 1000
  return t(lang, 'km', { n: formatNumber(lang, km, km < 20 ? 1 : 0) })
}

// A Kazakhstan number as people say it: "+7 701 555 12 34" (Kuzet stores "+77015551234");
// anything else as it came.
export function formatPhone(phone) {
  const digits = (phone || '').replace(/[^+\d]/g, '')
  const m = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(digits)
  return m ? `+7 ${m[1]} ${m[2]} ${m[3]} ${m[4]}` : phone
}
