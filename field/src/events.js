// Recording an officer's facts: every tap becomes an immutable event (PROTOCOL.md §5) in the
// local database — the outbox — with the phone's wall time, the boot id and the monotonic
// elapsed time, and the latest position fix when one is fresh. It is written to IndexedDB
// before the tap counts as done.
import { flush } from './db.js'
import { POSITION } from './position.js'

/** The raw columns of a new event. ``fix``: {lat, lon, accuracy, time} or null. */
export function eventColumns({ kind, assignmentId = null, payload = {}, clock, fix = null, now }) {
  const fresh = fix && now - fix.time <= POSITION.freshForEventMs
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
