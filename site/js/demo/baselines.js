// The browser's own JPEG and WebP as baselines for our bytes, as pure logic:
//   stripIcc         container surgery that drops the ICC profile the browser embeds;
//   nearestNotBelow  the quality whose file is the smallest one not below our size.
// No DOM here: the browser's encoder comes in as a function (dom.js passes
// canvas.toBlob), so node tests all of it (tests/js/baselines.test.mjs).

const ICC_ID = "ICC_PROFILE\0";

/**
 * The file without the ICC colour profile that Chrome's canvas encoders embed
 * (about 470 bytes of metadata, more than our whole file): JPEG APP2
 * ICC_PROFILE segments, or WebP's ICCP chunk (and then the VP8X header when no
 * other extended feature is left). Pixels are untouched; anything unexpected
 * returns the input as it is.
 */
export function stripIcc(bytes, type) {
  try {
    if (type === "image/jpeg") return stripJpegIcc(bytes);
    if (type === "image/webp") return stripWebpIcc(bytes);
  } catch {
    /* keep the file as the browser made it */
  }
  return bytes;
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function stripJpegIcc(b) {
  if (b[0] !== 0xff || b[1] !== 0xd8) return b;
  const keep = [b.subarray(0, 2)];
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return b;
    const marker = b[i + 1];
    if (marker === 0xff) { // fill byte
      i += 1;
      continue;
    }
    if (marker === 0xda) break; // start of scan: the rest is entropy-coded data
    const len = (b[i + 2] << 8) | b[i + 3];
    const end = i + 2 + len;
    if (end > b.length) return b;
    const id = String.fromCharCode(...b.subarray(i + 4, Math.min(end, i + 4 + ICC_ID.length)));
    if (!(marker === 0xe2 && id === ICC_ID)) keep.push(b.subarray(i, end));
    i = end;
  }
  keep.push(b.subarray(i));
  return concat(keep);
}

function stripWebpIcc(b) {
  const tag = (o) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);
  const u32 = (o) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  if (tag(0) !== "RIFF" || tag(8) !== "WEBP") return b;
  const chunks = [];
  for (let o = 12; o + 8 <= b.length;) {
    const size = u32(o + 4);
    const end = o + 8 + size + (size & 1);
    if (end > b.length) return b;
    chunks.push({ tag: tag(o), bytes: b.slice(o, end) });
    o = end;
  }
  let kept = chunks.filter((c) => c.tag !== "ICCP");
  const vp8x = kept.find((c) => c.tag === "VP8X");
  if (vp8x) {
    vp8x.bytes[8] &= ~0x20; // ICC flag
    const simple = kept.length === 2 && /^VP8[ L]$/.test(kept[1].tag) && (vp8x.bytes[8] & 0x3e) === 0;
    if (simple) kept = kept.filter((c) => c !== vp8x);
  }
  const head = b.slice(0, 12);
  const riff = 4 + kept.reduce((n, c) => n + c.bytes.length, 0);
  head[4] = riff & 255;
  head[5] = (riff >> 8) & 255;
  head[6] = (riff >> 16) & 255;
  head[7] = (riff >>> 24) & 255;
  return concat([head, ...kept.map((c) => c.bytes)]);
}

/**
 * The quality k/100, k in 0..100, whose file is the smallest one not below
 * `target` bytes, for an encoder `encode(quality) -> Promise<Uint8Array | null>`
 * (the browser's file; null when it cannot make `type`). Sizes are those of the
 * file without its ICC profile (stripIcc). Binary search, then a look at the
 * three qualities below, since sizes do not always grow with quality. If even
 * quality 0 is not below the target that is the answer (note "floor"); if even
 * quality 1 is below, quality 1 (note "below").
 * Returns {quality, bytes, profileBytes, file (the stripped file), note}, null
 * if the encoder cannot make `type`, or undefined if `cancelled()` turned true.
 */
export async function nearestNotBelow(encode, type, target, cancelled = () => false) {
  const cache = new Map();
  const at = async (k) => {
    if (!cache.has(k)) {
      const file = await encode(k / 100);
      if (!file) {
        cache.set(k, null);
      } else {
        const stripped = stripIcc(file, type);
        cache.set(k, { file, stripped, size: stripped.length });
      }
    }
    return cache.get(k);
  };
  const first = await at(0);
  if (!first) return null;
  let pick = 0;
  let note = "";
  if (first.size >= target) {
    note = "floor";
  } else if ((await at(100)).size < target) {
    pick = 100;
    note = "below";
  } else {
    // size(lo) < target <= size(hi)
    let lo = 0;
    let hi = 100;
    while (hi - lo > 1) {
      if (cancelled()) return undefined;
      const mid = (lo + hi) >> 1;
      if ((await at(mid)).size >= target) hi = mid;
      else lo = mid;
    }
    pick = hi;
    // Not strictly monotonic: a lower quality just below may give a closer size.
    for (let k = hi - 1; k >= Math.max(0, hi - 3); k--) {
      const r = await at(k);
      if (r.size >= target && r.size < (await at(pick)).size) pick = k;
    }
  }
  if (cancelled()) return undefined;
  const chosen = await at(pick);
  return {
    quality: pick / 100,
    bytes: chosen.size,
    profileBytes: chosen.file.length - chosen.size,
    file: chosen.stripped,
    note,
  };
}
