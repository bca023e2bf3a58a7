// The phone's local database: WatermelonDB on LokiJS, persisted to IndexedDB.
//
// The tables and columns are docs/protocol.md §2's, so a pull's records go in as they come.
// `events` is the outbox too: an event recorded here is a WatermelonDB record with
// _status "created" until a push is answered, and synchronize() sends every such record.
// Columns the server adds later are dropped by WatermelonDB until the app's schema has them.
import { Database, Model, appSchema, tableSchema } from '@nozbe/watermelondb'
import LokiJSAdapter from '@nozbe/watermelondb/adapters/lokijs'

const s = (name, isOptional = false) => ({ name, type: 'string', isOptional })
const n = (name, isOptional = true) => ({ name, type: 'number', isOptional })
const b = (name) => ({ name, type: 'boolean' })

export const TABLES = {
  assignments: [
    s('incident_id'), s('unit_id'), s('status'), n('dispatched_at', false), n('delivered_at'),
    n('acknowledged_at'), n('en_route_at'), n('on_scene_at'), n('transporting_at'),
    n('cleared_at'), n('cancelled_at'), s('cancel_reason'), n('superseded_at'), n('closed_at'),
    n('ack_due_at'), n('arrive_due_at'),
  ],
  incidents: [
    s('number'), s('channel'), s('category'), s('priority'), s('status'), n('received_at', false),
    s('district_id'), s('settlement_id', true), n('lat'), n('lon'), s('location_source'),
    s('landmark'), s('summary'), s('description'), s('caller_name'), s('caller_phone'),
    s('risk_flags'), s('outcome_code'), s('outcome_text'), n('closed_at'),
  ],
  events: [
    s('kind'), s('assignment_id', true), s('incident_id', true), s('unit_id', true),
    n('device_time'), s('boot_id', true), n('elapsed_ms'), n('lat'), n('lon'), n('accuracy_m'),
    n('gps_time'), s('payload'), s('officer_id', true), s('device_id', true), s('source', true),
    s('disposition', true), n('server_received_at'), n('estimated_at'),
    n('estimate_uncertainty_ms'), s('estimate_method', true), b('clock_suspect'),
  ],
  units: [
    s('callsign'), s('type'), s('mobility'), s('district_id'), s('status'), n('status_at'),
    n('lat'), n('lon'), n('position_at'),
  ],
  settlements: [
    s('kato'), s('name'), s('kind'), s('district_id'), s('zone'), s('coverage'), n('lat'),
    n('lon'), b('coords_estimated'), n('road_km_to_seat'),
  ],
  codes: [s('kind'), s('code'), s('label')],
}

// The columns an app records on an event it creates (PROTOCOL.md §5); the rest come back
// from the server.
export const DEVICE_EVENT_COLUMNS = [
  'kind', 'assignment_id', 'device_time', 'boot_id', 'elapsed_ms', 'lat', 'lon', 'accuracy_m',
  'gps_time', 'payload',
]

export const schema = appSchema({
  version: 1,
  tables: Object.entries(TABLES).map(([name, columns]) => tableSchema({ name, columns })),
})

// Records are read as raw rows (record._raw): the app needs no per-model behaviour.
const modelClasses = Object.keys(TABLES).map((table) => {
  const cls = class extends Model {}
  cls.table = table
  return cls
})

export function openDatabase({ dbName = 'kuzet-field', onSetUpError, adapter } = {}) {
  const lokiAdapter =
    adapter ??
    new LokiJSAdapter({
      schema,
      dbName,
      useWebWorker: false,
      useIncrementalIndexedDB: true,
      onSetUpError,
    })
  return new Database({ adapter: lokiAdapter, modelClasses })
}

/**
 * Write LokiJS's in-memory state to IndexedDB now and wait for it. LokiJS autosaves every
 * 500 ms; an officer's fact is only "saved on this phone" once this resolves, so closing the
 * tab or a phone restart right after a tap loses nothing.
 */
export function flush(database) {
  return new Promise((resolve, reject) => {
    let loki = null
    const adapter = database.adapter.underlyingAdapter
    if (typeof adapter.unsafeExecute !== 'function') {
      resolve()
      return
    }
    adapter.unsafeExecute({ loki: (l) => { loki = l } }, (result) => {
      if (result?.error) {
        reject(result.error)
        return
      }
      if (!loki || typeof loki.saveDatabase !== 'function' || !loki.persistenceAdapter) {
        resolve()
        return
      }
      loki.saveDatabase((error) => (error ? reject(error) : resolve()))
    })
  })
}

export function raws(records) {
  return records.map((r) => r._raw)
}
