// A revocation's wipe that comes while LokiJS is saving. LokiJS's IndexedDB adapter refuses to
// delete the database while a save of its own is under way ("Error while deleting database -
// another operation is already in progress"), and a save clears LokiJS's dirty flags when it
// starts, so the reset's Loki.close() went straight to the delete: the wipe failed and the
// previous officer's calls and callers' numbers stayed in IndexedDB. Here the persistence is a
// store with that adapter's rule, whose saves the test holds open (Node has no IndexedDB).
import { describe, expect, it, vi } from 'vitest'
import { flush, lokiAdapter, openDatabase } from '../src/db.js'
import { KEYS, SyncEngine } from '../src/sync.js'

const PHONE = '+7 701 555 12 34'

/** LokiJS persistence (its plain adapter interface) keeping what it saved as text; a save is
 * held open while ``holding``; like IncrementalIndexedDBAdapter, it deletes nothing (throws)
 * while a save is under way. */
class HeldStore {
  constructor() {
    this.saved = null
    this.busy = false
    this.holding = false
    this.held = null
  }

  loadDatabase(name, callback) {
    callback(this.saved)
  }

  saveDatabase(name, text, callback) {
    if (this.busy) throw new Error('Error while saving to database - another operation is already in progress')
    this.busy = true
    const done = () => {
      this.saved = text
      this.busy = false
      callback(null)
    }
    if (this.holding) this.held = done
    else setTimeout(done, 0)
  }

  deleteDatabase(name, callback) {
    if (this.busy) throw new Error('Error while deleting database - another operation is already in progress')
    this.saved = null
    callback({ success: true })
  }

  release() {
    this.holding = false
    const done = this.held
    this.held = null
    done?.()
  }
}

const ticks = async (n = 20) => {
  for (let i = 0; i < n; i += 1) await new Promise((resolve) => setTimeout(resolve, 0))
}

describe('the wipe of a revoked phone', () => {
  it('erases everything even when LokiJS was saving at that moment', async () => {
    // given: a call with its caller's number saved on the phone, and a save under way (a fact
    // just recorded and flushed, or the 500 ms autosave) when the revocation is heard
    vi.spyOn(console, 'log').mockImplementation(() => {})
    const store = new HeldStore()
    const database = openDatabase({ adapter: lokiAdapter({ dbName: 'held', _testLokiAdapter: store }) })
    await database.localStorage.set(KEYS.installId, 'web-install')
    await database.localStorage.set(KEYS.token, 'revoked-token')
    await database.write(() =>
      database.get('incidents').create((r) => {
        r._raw.number = 'KZ-777'
        r._raw.caller_phone = PHONE
      }),
    )
    await flush(database)
    expect(store.saved).toContain(PHONE)
    await database.localStorage.set(KEYS.language, 'kk')
    store.holding = true
    const saving = flush(database)
    await ticks()
    expect(store.busy).toBe(true)

    // when: the device_revoked answer wipes the phone, and the save then ends
    const engine = new SyncEngine({ database, api: {}, timers: { setTimeout: () => 1, clearTimeout: () => {} } })
    const wiping = engine.wipe()
    await ticks()
    store.release()
    await saving
    await wiping

    // then: nothing of the call is left, in memory or in what a reload would read
    expect(engine.state.problem).toBe('revoked')
    expect(store.saved).not.toContain(PHONE)
    expect(store.saved).not.toContain('KZ-777')
    expect(store.saved).not.toContain('revoked-token')
    expect(await database.get('incidents').query().fetch()).toEqual([])
    expect(await database.localStorage.get(KEYS.token)).toBeUndefined()
    expect(await database.localStorage.get(KEYS.installId)).toBe('web-install')
    expect(await database.localStorage.get(KEYS.revokedNotice)).toBe(true)
    const reopened = openDatabase({ adapter: lokiAdapter({ dbName: 'held', _testLokiAdapter: store }) })
    expect(await reopened.get('incidents').query().fetch()).toEqual([])
    expect(await reopened.localStorage.get(KEYS.revokedNotice)).toBe(true)
    expect(await reopened.localStorage.get(KEYS.language)).toBe('kk')
  })
})
