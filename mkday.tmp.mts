import { ensureDemoData } from '/work/wt/serve/src/services/demo';
const [dir, date] = process.argv.slice(2);
const t0 = Date.now();
const r = await ensureDemoData(dir!, { tokens: 6, date, force: true, onProgress: (m) => console.log(m) });
console.log(JSON.stringify(r), (Date.now() - t0) / 1000);
