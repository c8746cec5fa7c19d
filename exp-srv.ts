import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { GROUPS } from './src/shared/channels';
const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--data', '/tmp/helios-serve-bench', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
const url = await new Promise<string>((res) => child.stdout!.on('data', (d) => { const m = /listening on (http:\S+)/.exec(String(d)); if (m) res(m[1]!); }));
const rss = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024);
console.log('idle', rss());
const days = ['2026-01-24', '2026-01-25', '2026-01-26', '2026-01-27', '2026-01-28'];
const socks = await Promise.all(days.map((d) => new Promise<WebSocket>((res) => {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/replay?station=KLGA&date=${d}`, { maxPayload: 1 << 30 });
  ws.on('open', () => { ws.send(JSON.stringify({ type: 'subscribe', groups: GROUPS })); });
  ws.on('message', (m: Buffer) => { if (String(m).startsWith('{"type":"backfill"')) res(ws); });
})));
console.log('after 5 backfills', rss());
const mode = process.env.MODE ?? 'play';
if (mode === 'play') {
  let peak = 0; const t = setInterval(() => { peak = Math.max(peak, rss()); }, 200);
  await Promise.all(socks.map((ws) => new Promise<void>((res) => {
    ws.on('message', (m: Buffer) => { const s = m.toString('latin1', 0, 200); if (s.startsWith('{"type":"clock"') && /"playing":false/.test(s) && /"presence":"PRESENT"/.test(s)) { const c = JSON.parse(String(m)).clock; if (c.current_ms === c.end_ms) res(); } });
    ws.send(JSON.stringify({ type: 'speed', speed: 10000 })); ws.send(JSON.stringify({ type: 'play' }));
  })));
  clearInterval(t);
  console.log('played: peak', peak, 'end', rss());
}
child.kill();
