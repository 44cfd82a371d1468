// The web client's app icons, drawn and PNG-encoded at build time (no image tools, no binaries in
// git): a rounded dark tile with a terminal prompt `>_` in the accent colour. A maskable icon keeps
// the glyph inside the central safe zone and fills the whole square.
import { deflateSync } from 'node:zlib';

const TILE = [0x17, 0x1b, 0x26];
const ACCENT = [0x5e, 0xc2, 0x9a];

/** Distance from p to the segment a–b. */
function segment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** RGBA pixels of the icon at `size`×`size`. */
export function drawIcon(size, { maskable }) {
  const pixels = Buffer.alloc(size * size * 4);
  const s = size;
  // The glyph lives in a box scaled to the safe zone (80 % for maskable icons).
  const scale = maskable ? 0.62 : 0.78;
  const box = (v) => s * (0.5 + (v - 0.5) * scale);
  const stroke = s * 0.075 * scale / 0.78;
  const radius = maskable ? 0 : s * 0.2;
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      // Rounded square coverage (anti-aliased by distance).
      const qx = Math.max(Math.abs(px - s / 2) - (s / 2 - radius), 0);
      const qy = Math.max(Math.abs(py - s / 2) - (s / 2 - radius), 0);
      const tile = Math.max(0, Math.min(1, radius - Math.hypot(qx, qy) + 0.5 + (radius === 0 ? 1 : 0)));
      const chevron = Math.min(
        segment(px, py, box(0.24), box(0.3), box(0.46), box(0.5)),
        segment(px, py, box(0.46), box(0.5), box(0.24), box(0.7)),
      );
      const underscore = segment(px, py, box(0.52), box(0.7), box(0.78), box(0.7));
      const glyph = Math.max(0, Math.min(1, stroke / 2 - Math.min(chevron, underscore) + 0.5));
      const i = (y * s + x) * 4;
      for (let c = 0; c < 3; c++) pixels[i + c] = Math.round(TILE[c] * (1 - glyph) + ACCENT[c] * glyph);
      pixels[i + 3] = Math.round(255 * tile);
    }
  }
  return pixels;
}

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

/** A PNG (8-bit RGBA, no filtering) of the given pixels. */
export function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
