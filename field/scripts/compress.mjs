// After `vite build`: write .gz and .br next to every text asset of dist/ (Kuzet serves the
// smallest one the browser accepts — brotli over HTTPS, gzip otherwise), and hold the app
// shell to its budget: everything the service worker precaches, compressed, ≤ 300 KB.
//
// The sizes are written to dist/sizes.json (served at /app/sizes.json). Printed only when
// asked — KUZET_FIELD_SIZES=1 (`KUZET_FIELD_SIZES=1 npm run build` in field/): every
// field build of a first `make run` printed "app shell: … KB raw, … gzip, … brotli" in
// English among the operator's lines. Over the budget, the FAIL line and exit code 1 always.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'

const DIST = new URL('../dist/', import.meta.url).pathname
const BUDGET_BYTES = 300 * 1024
const COMPRESSIBLE = /\.(js|css|html|svg|webmanifest|json)$/

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  })
}

const sizes = {}
for (const path of files(DIST)) {
  if (/\.(gz|br)$/.test(path)) continue
  const raw = readFileSync(path)
  const name = relative(DIST, path)
  if (!COMPRESSIBLE.test(path)) {
    sizes[name] = { raw: raw.length, gzip: raw.length, brotli: raw.length }
    continue
  }
  const gz = gzipSync(raw, { level: 9 })
  const br = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  })
  writeFileSync(`${path}.gz`, gz)
  writeFileSync(`${path}.br`, br)
  sizes[name] = { raw: raw.length, gzip: gz.length, brotli: br.length }
}

const total = (key) => Object.values(sizes).reduce((sum, s) => sum + s[key], 0)
const report = { files: sizes, total: { raw: total('raw'), gzip: total('gzip'), brotli: total('brotli') }, budget: BUDGET_BYTES }
writeFileSync(join(DIST, 'sizes.json'), JSON.stringify(report, null, 1))
const kb = (n) => `${(n / 1024).toFixed(1)} KB`
if (process.env.KUZET_FIELD_SIZES === '1') console.log(`app shell: ${kb(report.total.raw)} raw, ${kb(report.total.gzip)} gzip, ${kb(report.total.brotli)} brotli (budget ${kb(BUDGET_BYTES)} compressed)`)
if (report.total.gzip > BUDGET_BYTES) {
  console.error(`FAIL: the app shell is ${kb(report.total.gzip)} gzip-compressed, over the ${kb(BUDGET_BYTES)} budget`)
  process.exit(1)
}
