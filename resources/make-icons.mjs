#!/usr/bin/env node
// Draws the app icon (a sun over a price tape on a dark tile) and writes every format the packager
// needs, with no image tools: icon.png (1024², Linux and the window icon), icon.icns (macOS, PNG
// payloads), icon.ico (Windows, PNG payloads 16–256). Run: node resources/make-icons.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

// --- drawing, in unit coordinates (0..1), supersampled ---
const TAPE = [
  [0.16, 0.74],
  [0.3, 0.66],
  [0.4, 0.7],
  [0.52, 0.56],
  [0.62, 0.63],
  [0.72, 0.52],
  [0.84, 0.58],
];

function insideRoundedSquare(x, y, margin, radius) {
  const lo = margin + radius;
  const hi = 1 - margin - radius;
  const dx = Math.max(lo - x, 0, x - hi);
  const dy = Math.max(lo - y, 0, y - hi);
  return x >= margin && x <= 1 - margin && y >= margin && y <= 1 - margin && dx * dx + dy * dy <= radius * radius;
}

function distanceToSegment(px, py, [ax, ay], [bx, by]) {
  const vx = bx - ax;
  const vy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy)));
  return Math.hypot(px - (ax + t * vx), py - (ay + t * vy));
}

/** RGBA (0..255) at a unit-square point, painter's order, or null for transparent. */
function sample(x, y) {
  if (!insideRoundedSquare(x, y, 0.04, 0.2)) return null;
  const shade = y; // vertical gradient
  let color = [16 - 6 * shade, 32 - 12 * shade, 46 - 16 * shade, 255];
  const sun = Math.hypot(x - 0.5, y - 0.4);
  if (sun <= 0.26 && sun >= 0.235) color = [150, 112, 40, 255]; // halo
  if (sun <= 0.18) color = [245, 184, 46, 255];
  if (Math.abs(y - 0.8) < 0.008 && x > 0.14 && x < 0.86) color = [70, 90, 110, 255]; // baseline
  for (let i = 1; i < TAPE.length; i++) {
    if (distanceToSegment(x, y, TAPE[i - 1], TAPE[i]) <= 0.028) color = [79, 209, 197, 255];
  }
  return color;
}

function render(size, sub = 4) {
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < sub; sy++) {
        for (let sx = 0; sx < sub; sx++) {
          const c = sample((px + (sx + 0.5) / sub) / size, (py + (sy + 0.5) / sub) / size);
          if (!c) continue;
          const alpha = c[3] / 255;
          r += c[0] * alpha;
          g += c[1] * alpha;
          b += c[2] * alpha;
          a += alpha;
        }
      }
      const o = (py * size + px) * 4;
      const n = sub * sub;
      pixels[o] = a ? Math.round(r / a) : 0;
      pixels[o + 1] = a ? Math.round(g / a) : 0;
      pixels[o + 2] = a ? Math.round(b / a) : 0;
      pixels[o + 3] = Math.round((a / n) * 255);
    }
  }
  return pixels;
}

// --- PNG encoding ---
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// --- containers ---
function icns(entries) {
  const blocks = entries.map(([type, png]) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + blocks.reduce((n, b) => n + b.length, 0), 4);
  return Buffer.concat([head, ...blocks]);
}

function ico(entries) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // icon
  header.writeUInt16LE(entries.length, 4);
  let offset = 6 + 16 * entries.length;
  const directory = entries.map(([size, png]) => {
    const d = Buffer.alloc(16);
    d[0] = size >= 256 ? 0 : size;
    d[1] = size >= 256 ? 0 : size;
    d.writeUInt16LE(1, 4); // planes
    d.writeUInt16LE(32, 6); // bits per pixel
    d.writeUInt32LE(png.length, 8);
    d.writeUInt32LE(offset, 12);
    offset += png.length;
    return d;
  });
  return Buffer.concat([header, ...directory, ...entries.map(([, png]) => png)]);
}

const png = new Map();
for (const size of [16, 32, 48, 64, 128, 256, 512, 1024]) png.set(size, encodePng(size, render(size, size <= 64 ? 8 : 4)));

writeFileSync(join(here, 'icon.png'), png.get(1024));
writeFileSync(
  join(here, 'icon.icns'),
  icns([
    ['ic07', png.get(128)],
    ['ic08', png.get(256)],
    ['ic09', png.get(512)],
    ['ic10', png.get(1024)],
  ]),
);
writeFileSync(join(here, 'icon.ico'), ico([16, 32, 48, 64, 128, 256].map((s) => [s, png.get(s)])));
console.log('wrote resources/icon.png, icon.icns, icon.ico');
