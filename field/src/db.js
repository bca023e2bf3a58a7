// The phone's local database: WatermelonDB on LokiJS, persisted to IndexedDB.
//
// The tables and columns are docs/protocol.md §2's, so a pull's records go in as they come.
// `events` is the outbox too: an event recorded here is a WatermelonDB record with
// _status "created" until a push is answered, and synchronize() sends every such record.
// Columns the server adds later are dropped by WatermelonDB until the app's schema has them.
//
// The local schema has its own version (WatermelonDB's, 5), not the protocol's (api.js:
// PROTOCOL_SCHEMA_VERSION, 4). A phone that installed an older build holds a version-1 to
// version-4 database in IndexedDB; `migrations` brings it up in place, one step after another
// (LokiJS would otherwise erase it, outbox included, on a version it cannot migrate from), and
// the next sync is a migration sync that fetches the records of what was added (sync.js:
// migrationsEnabledAtVersion).
import { Database, Model, appSchema, tableSchema } from '@nozbe/watermelondb'
import { addColumns, createTable, schemaMigrations } from '@nozbe/watermelondb/Schema/migrations'
import LokiJSAdapter from '@nozbe/watermelondb/adapters/lokijs'

const s = (name, isOptional = false) => ({ name, type: 'string', isOptional })
const n = (name, isOptional = true) => ({ name, type: 'number', isOptional })
const b = (name) => ({ name, type: 'boolean' })

// Added in local schema version 2 (protocol schema 2 and 3).
const ASSIGNMENT_COLUMNS_V2 = [n('deliver_due_at'), n('escalation_level', false)]
const FOLLOW_UPS = [s('incident_id'), s('unit_id', true), n('due_at', false), n('done_at'), s('note')]
// Added in local schema version 3 (protocol schema 4): the Kazakh name, "" where none is known.
const SETTLEMENT_COLUMNS_V3 = [s('name_kk')]
// Added in local schema version 4 (protocol schema 4's lifetime, docs/protocol.md §9.23): when
// the duty desk's officer-safety check still open on the assignment fired, null when none is.
const ASSIGNMENT_COLUMNS_V4 = [n('safety_check_at')]
// Added in local schema version 5 (protocol schema 4's lifetime, docs/protocol.md §9.27): a
// training call (a drill, the live demo's), shown under an "Exercise" banner. A call pulled
// before the upgrade has no value until the migration sync brings it again: not an exercise.
const INCIDENT_COLUMNS_V5 = [b('exercise')]

export const TABLES = {
  assignments: [
    s('incident_id'), s('unit_id'), s('status'), n('dispatched_at', false), n('delivered_at'),
    n('acknowledged_at'), n('en_route_at'), n('on_scene_at'), n('transporting_at'),
    n('cleared_at'), n('cancelled_at'), s('cancel_reason'), n('superseded_at'), n('closed_at'),
    n('ack_due_at'), n('arrive_due_at'), ...ASSIGNMENT_COLUMNS_V2, ...ASSIGNMENT_COLUMNS_V4,
  ],
  incidents: [
    s('number'), s('channel'), s('category'), s('priority'), s('status'), n('received_at', false),
    s('district_id'), s('settlement_id', true), n('lat'), n('lon'), s('location_source'),
    s('landmark'), s('summary'), s('description'), s('caller_name'), s('caller_phone'),
    s('risk_flags'), s('outcome_code'), s('outcome_text'), n('closed_at'), ...INCIDENT_COLUMNS_V5,
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
    n('lon'), b('coords_estimated'), n('road_km_to_seat'), ...SETTLEMENT_COLUMNS_V3,
  ],
  codes: [s('kind'), s('code'), s('label')],
  // DV follow-up visits owed by the unit (a district inspector's), done ones for a day.
  follow_ups: FOLLOW_UPS,
}

// The columns an app records on an event it creates (PROTOCOL.md §5); the rest come back
// from the server.
export const DEVICE_EVENT_COLUMNS = [
  'kind', 'assignment_id', 'device_time', 'boot_id', 'elapsed_ms', 'lat', 'lon', 'accuracy_m',
  'gps_time', 'payload',
]

export const schema = appSchema({
  version: 5,
  tables: Object.entries(TABLES).map(([name, columns]) => tableSchema({ name, columns })),
})

// Only createTable and addColumns: WatermelonDB's migration sync can name nothing else to
// the server. A step is never edited once shipped; a change is a new version.
export const migrations = schemaMigrations({
  migrations: [
    {
      toVersion: 2,
      steps: [
        createTable({ name: 'follow_ups', columns: FOLLOW_UPS }),
        addColumns({ table: 'assignments', columns: ASSIGNMENT_COLUMNS_V2 }),
      ],
    },
    {
      toVersion: 3,
      steps: [addColumns({ table: 'settlements', columns: SETTLEMENT_COLUMNS_V3 })],
    },
    {
      toVersion: 4,
      steps: [addColumns({ table: 'assignments', columns: ASSIGNMENT_COLUMNS_V4 })],
    },
    {
      toVersion: 5,
      steps: [addColumns({ table: 'incidents', columns: INCIDENT_COLUMNS_V5 })],
    },
  ],
})

// Records are read as raw rows (record._raw): the app needs no per-model behaviour.
const modelClasses = Object.keys(TABLES).map((table) => {
  const cls = class extends Model {}
  cls.table = table
  return cls
})

/** The app's LokiJS adapter. ``options`` go to LokiJSAdapter as they are (the tests pass
 * `_testLokiAdapter`: a persistence kept between two opens, as IndexedDB keeps it). */
export function lokiAdapter({ dbName = 'kuzet-field', onSetUpError, ...options } = {}) {
  return new LokiJSAdapter({
    schema,
    migrations,
    dbName,
    useWebWorker: false,
    useIncrementalIndexedDB: true,
    onSetUpError,
    ...options,
  })
}

export function openDatabase({ dbName = 'kuzet-field', onSetUpError, adapter } = {}) {
  return new Database({ adapter: adapter ?? lokiAdapter({ dbName, onSetUpError }), modelClasses })
}

// The databases an erase (eraseDatabase) is under way on: flush() starts no save of theirs.
const erasing = new WeakSet()

/**
 * Write LokiJS's in-memory state to IndexedDB now and wait for it. LokiJS autosaves every
 * 500 ms; an officer's fact is only "saved on this phone" once this resolves, so closing the
 * tab or a phone restart right after a tap loses nothing. While the database is being erased
 * it saves nothing (what it would save is being erased, and a save under way would stop the
 * erase: eraseDatabase).
 */
export function flush(database) {
  if (erasing.has(database)) return Promise.resolve()
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

/**
 * Erase every record and local key: WatermelonDB's ``unsafeResetDatabase`` (LokiJS closes its
 * IndexedDB connection and deletes the database, then opens an empty one), in a writer named
 * ``reason``, once LokiJS has no save under way. LokiJS's IndexedDB adapter refuses to delete
 * while it saves ("Error while deleting database - another operation is already in progress"):
 * a wipe that came while an autosave (every 500 ms after a write) or a flush() was writing left
 * the whole database in IndexedDB — the previous officer's calls, callers' numbers and outbox
 * there after a reload — and the Database on WatermelonDB's error adapter. So first LokiJS's
 * autosave is stopped and its saves drained (Loki's ``throttledSaveDrain``), and flush() saves
 * nothing until the erase is over; the erase opens a new Loki, autosaving again.
 */
export async function eraseDatabase(database, reason) {
  await database.write(async () => {
    erasing.add(database)
    try {
      await new Promise((resolve, reject) => {
        const adapter = database.adapter.underlyingAdapter
        if (typeof adapter.unsafeExecute !== 'function') {
          resolve()
          return
        }
        adapter.unsafeExecute(
          {
            loki: (loki) => {
              loki.autosaveDisable()
              loki.throttledSaveDrain(() => resolve())
            },
          },
          (result) => result?.error && reject(result.error),
        )
      })
      await database.unsafeResetDatabase()
    } finally {
      erasing.delete(database)
    }
  }, reason)
}

export function raws(records) {
  return records.map((r) => r._raw)
}
