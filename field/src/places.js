// Where an officer's SOS backup call is, as the crew reads it: "3,1 км к северо-востоку от
// Аягоз (47.98400, 80.46400)". The server stores names and numbers only (the call's village,
// its point, and as its landmark the point's coordinates: backend/dispatch/services/sos.py);
// every reader says the distance and the way in their own language from them, as the
// server's SMS and call page do (backend/dispatch/places.py) — the same geometry here.
import { distanceM, formatNumber } from './format.js'
import { placeName, t } from './i18n.js'

// The eight points of the compass, clockwise from north (backend/dispatch/places.py).
export const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW']
// Closer than this to a settlement's centre is "in" it, not "0.4 km north of" it.
const IN_SETTLEMENT_KM = 1.0

/** The compass point of the initial bearing from one point to another. */
export function compassPoint(fromLat, fromLon, toLat, toLon) {
  const rad = Math.PI / 180
  const p1 = fromLat * rad
  const p2 = toLat * rad
  const dl = (toLon - fromLon) * rad
  const y = Math.sin(dl) * Math.cos(p2)
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl)
  const bearing = ((Math.atan2(y, x) / rad) + 360) % 360
  return COMPASS[Math.round(bearing / 45) % 8]
}

/** A point as a navigator takes it, in every language: "47.98400, 80.46400". */
export function coordinatesText(lat, lon) {
  return `${lat.toFixed(5)}, ${lon.toFixed(5)}`
}

/** The call's landmark as the officer reads it: for a call whose landmark is nothing but its
 * own point's coordinates, away from its village (an officer's SOS backup), the distance, the
 * way and the village in `lang`, then the coordinates; any other landmark as written. */
export function landmarkText(lang, incident, settlement) {
  const landmark = incident?.landmark ?? ''
  const { lat, lon } = incident ?? {}
  if (!landmark || lat == null || lon == null || settlement?.lat == null || settlement?.lon == null) return landmark
  if (landmark !== coordinatesText(lat, lon)) return landmark
  const km = distanceM(settlement.lat, settlement.lon, lat, lon) / 1000
  if (km < IN_SETTLEMENT_KM) return landmark
  const direction = compassPoint(settlement.lat, settlement.lon, lat, lon)
  const words = t(lang, 'place_near', {
    km: formatNumber(lang, Math.round(km * 10) / 10, 1),
    direction: t(lang, `compass_${direction}`),
    place: placeName(lang, settlement),
  })
  return `${words} (${landmark})`
}
