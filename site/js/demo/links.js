// Share links: a compressed file carried in the demo page's address,
//
//   demo.html#aec=<the file's bytes in base64url, no padding>.<check>
//
// <check> is 4 base64url characters, the low 24 bits of the bytes' CRC-32. It
// lives in the link only, so the file format keeps its size. It comes last, so
// a link cut off anywhere (chat apps and e-mail do that to long links) loses or
// breaks it and is refused, instead of decoding to some other digit.

const DEMO_PAGE_URL = new URL("../../demo.html", import.meta.url).href;
const FRAGMENT = /^#aec=([^&]*)$/;
const CHECK_CHARS = 4; // 24 bits
const ALPHABET = /^[A-Za-z0-9_-]*$/;

/** A link that does not hold a compressed digit; `cut` when it looks cut off. */
export class LinkError extends Error {
  constructor(message, { cut = false } = {}) {
    super(message);
    this.name = "LinkError";
    this.cut = cut;
  }
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (the one of zlib, PNG and zip) of bytes, as an unsigned integer. */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function toBase64Url(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** base64url without padding -> bytes; throws on anything else. */
export function fromBase64Url(text) {
  if (!ALPHABET.test(text) || text.length % 4 === 1) {
    throw new LinkError("the link does not hold valid base64url data");
  }
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The link's check of these bytes: 4 base64url characters. */
export function linkCheck(bytes) {
  const c = crc32(bytes) & 0xffffff;
  return toBase64Url(Uint8Array.of(c >>> 16, (c >>> 8) & 255, c & 255));
}

/** The fragment's text for these bytes: "<base64url>.<check>". */
export function toLinkText(bytes) {
  return `${toBase64Url(bytes)}.${linkCheck(bytes)}`;
}

/** A fragment's text -> the bytes; LinkError when it is malformed, cut off or changed. */
export function fromLinkText(text) {
  const dot = text.lastIndexOf(".");
  const check = dot < 0 ? "" : text.slice(dot + 1);
  if (dot < 0 || check.length < CHECK_CHARS) {
    throw new LinkError("the end of the link is missing", { cut: true });
  }
  if (check.length > CHECK_CHARS || !ALPHABET.test(check)) {
    throw new LinkError("the link's check characters are malformed");
  }
  const bytes = fromBase64Url(text.slice(0, dot));
  if (linkCheck(bytes) !== check) {
    throw new LinkError("the link was changed or cut: its check does not match");
  }
  return bytes;
}

/** The demo page's link that opens these bytes (the slides share the demo page too). */
export function shareUrl(bytes) {
  return `${DEMO_PAGE_URL}#aec=${toLinkText(bytes)}`;
}

/** The text of an address's "#aec=..." fragment, or null when it has none. */
export function linkData(hash) {
  const m = FRAGMENT.exec(hash);
  return m ? m[1] : null;
}
