// Recording an officer's facts: every tap becomes an immutable event (PROTOCOL.md §5) in the
// local database — the outbox — with the phone's wall time, the boot id and the monotonic
// elapsed time, and the latest position fix when one is fresh. It is written to IndexedDB
// before the tap counts as done.
import { flush } from './db.js'
import { POSITION } from './position.js'

/** The raw columns of a new event. ``fix``: {lat, lon, accuracy, time} or null. */
/** Whether a fix is recent enough to ride on an event as the unit's position now. */
export function isFresh(fix, now) {
  return Boolean(fix) && now - fix.time <= POSITION.freshForEventMs
}

export function eventColumns({ kind, assignmentId = null, payload = {}, clock, fix = null, now }) {
  const fresh = isFresh(fix, now)
  return {
    kind,
    assignment_id: assignmentId,
    device_time: clock.wallMs(),
    boot_id: clock.bootId,
    elapsed_ms: clock.elapsedMs(),
    lat: fresh ? fix.lat : null,
    lon: fresh ? fix.lon : null,
    accuracy_m: fresh && fix.accuracy != null ? Math.round(fix.accuracy * 10) / 10 : null,
    gps_time: fresh ? Math.floor(fix.time) : null,
    payload: JSON.stringify(payload),
  }
}

/** An SOS's payload: the last known position when it is too old to ride on the event itself
 * (``eventColumns`` attaches only a fix of the last two minutes, which the server takes as the
 * unit's position now). An officer off duty, or in a hollow without signal, has an older fix;
 * for the duty desk that is still the best "where" there is, so it goes up with its age — an
 * age, not a time, because the phone's wall clock is not trusted and the difference of two of
 * its readings is (docs/protocol.md, ``sos``). ``{}`` when there is no fix, or it is fresh. */
export function sosPayload(fix, now) {
  if (!fix || isFresh(fix, now)) return {}
  const payload = {
    last_lat: fix.lat,
    last_lon: fix.lon,
    last_fix_age_ms: Math.max(0, Math.round(now - fix.time)),
  }
  if (fix.accuracy != null) payload.last_accuracy_m = Math.round(fix.accuracy * 10) / 10
  return payload
}

export async function recordEvent(database, columns) {
  let created = null
  await database.write(async () => {
    created = await database.get('events').create((record) => {
      for (const [name, value] of Object.entries(columns)) record._setRaw(name, value)
    })
  }, `kuzet-record-${columns.kind}`)
  await flush(database)
  return created._raw
}
