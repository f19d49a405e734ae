/**
 * Draws the app icons (a star on a blue tile, the built-in model's world) as PNGs:
 *   npx tsx tools/icons/make-icons.ts
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodePng } from "../../src/png/encodePng";

const OUT = join(import.meta.dirname, "../../public/icons");
const SUPERSAMPLE = 4;

/** Even-odd point-in-polygon test. */
function inside(px: number, py: number, poly: [number, number][]): boolean {
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

function icon(size: number, maskable: boolean): Uint8Array {
  const star: [number, number][] = [];
  const r = maskable ? 0.3 : 0.38; // maskable icons keep content inside the central safe zone
  for (let k = 0; k < 10; k++) {
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    const rr = k % 2 === 0 ? r : r * 0.45;
    star.push([0.5 + rr * Math.cos(a), 0.53 + rr * Math.sin(a)]);
  }
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let cover = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++)
        for (let sx = 0; sx < SUPERSAMPLE; sx++)
          cover += Number(inside((x + (sx + 0.5) / SUPERSAMPLE) / size, (y + (sy + 0.5) / SUPERSAMPLE) / size, star));
      const a = cover / SUPERSAMPLE ** 2;
      const bg = [59, 91, 219];
      const fg = [250, 210, 60];
      data.set(
        [0, 1, 2].map((c) => Math.round(fg[c] * a + bg[c] * (1 - a))),
        (y * size + x) * 4,
      );
      data[(y * size + x) * 4 + 3] = 255;
    }
  }
  return encodePng(data, size, size);
}

for (const size of [192, 512]) writeFileSync(join(OUT, `icon-${size}.png`), icon(size, false));
writeFileSync(join(OUT, "maskable-512.png"), icon(512, true));
