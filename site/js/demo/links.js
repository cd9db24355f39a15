// Share links: a compressed file carried in the demo page's address,
// demo.html#aec=<the file's bytes in base64url, no padding>.

const DEMO_PAGE_URL = new URL("../../demo.html", import.meta.url).href;
const FRAGMENT = /^#aec=([^&]*)$/;

export function toBase64Url(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** base64url without padding -> bytes; throws on anything else. */
export function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new Error("the link does not hold valid base64url data");
  }
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The demo page's link that opens these bytes (the slides share the demo page too). */
export function shareUrl(bytes) {
  return `${DEMO_PAGE_URL}#aec=${toBase64Url(bytes)}`;
}

/** The base64url text of an address's "#aec=..." fragment, or null when it has none. */
export function linkData(hash) {
  const m = FRAGMENT.exec(hash);
  return m ? m[1] : null;
}
