// When to report the unit's position while on duty. A location event is ~300 bytes on the
// wire; on a 2G link (~5 KB/s shared with everything else) one a minute while moving and
// one every ten minutes while parked costs next to nothing and still lets the duty officer
// rank units by fresh positions (KUZET_POSITION_STALE_MINUTES is 30).

export const POSITION = {
  minIntervalMs: 60 * 1000, // never more often than once a minute
  idleIntervalMs: 10 * 60 * 1000, // at least every ten minutes, even standing still
  minMoveM: 250, // a move this far (beyond the fix's accuracy) is worth a report
  maxAccuracyM: 2000, // coarser fixes (cell towers far apart) are not reported
  freshForEventMs: 2 * 60 * 1000, // a fix this recent is attached to milestones
}

/** Whether ``fix`` ({lat, lon, accuracy, time}) should be reported, given the last report. */
export function shouldReport(last, fix, distance, rules = POSITION) {
  if (fix.accuracy != null && fix.accuracy > rules.maxAccuracyM) return false
  if (!last) return true
  const since = fix.time - last.time
  if (since < rules.minIntervalMs) return false
  if (since >= rules.idleIntervalMs) return true
  const moved = distance(last.lat, last.lon, fix.lat, fix.lon)
  return moved >= Math.max(rules.minMoveM, fix.accuracy ?? 0)
}
