// Images as input: what a file is (sniffImage, no DOM, tested in node), the
// browser decoding it (decodeImage, on the page) and its RGBA pixels
// (imageRgba, on the page or in the worker). The pixels then go through the
// codec twin's MNIST preprocessing (engine.js), as Python's `aec compress` does.

// Beyond this many pixels on the longer side the browser scales the image down
// while decoding (a 48-megapixel photo would need 190 MB of RGBA); the digit
// ends up 20 pixels tall, so nothing it shows is lost.
export const MAX_SIDE = 2048;

const SIGNATURES = [
  ["image/png", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ["image/jpeg", [0xff, 0xd8, 0xff]],
  ["image/gif", [0x47, 0x49, 0x46, 0x38, 0x37, 0x61]], // GIF87a
  ["image/gif", [0x47, 0x49, 0x46, 0x38, 0x39, 0x61]], // GIF89a
];
const BMP_DIB_SIZES = [12, 40, 52, 56, 64, 108, 124]; // the header sizes of BMP's versions

/**
 * The image type of a file's first bytes (PNG, JPEG, GIF, BMP, WebP, AVIF),
 * or null: then it is taken for a .aec file. A version-2 or -3 .aec file starts
 * with a 1 bit (0x80..0xff), which rules out every signature here but PNG's
 * (8 bytes: 2^-56 by chance) and JPEG's (0xff: the escape of later versions, no
 * version-2 or -3 file). A version-4 file starts with a 0 bit and then
 * arithmetic-coded bits, so each check here is 6 bytes or more: BMP's 'BM' too
 * (2 bytes, a version-4 file every 32768) needs its reserved zeros and a known header size.
 */
export function sniffImage(bytes) {
  const at = (o, sig) => sig.every((b, i) => bytes[o + i] === b);
  for (const [type, sig] of SIGNATURES) if (bytes.length >= sig.length + 2 && at(0, sig)) return type;
  const u32 = (o) => bytes[o] + 256 * (bytes[o + 1] + 256 * (bytes[o + 2] + 256 * bytes[o + 3]));
  if (bytes.length >= 26 && at(0, [0x42, 0x4d]) && u32(6) === 0 && BMP_DIB_SIZES.includes(u32(14))) return "image/bmp";
  const ascii = (o, n) => String.fromCharCode(...bytes.subarray(o, o + n));
  if (bytes.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 4) === "WEBP") return "image/webp";
  if (bytes.length >= 12 && ascii(4, 4) === "ftyp" && /^avi[fs]$/.test(ascii(8, 4))) return "image/avif";
  return null;
}

/** An image file's bytes -> an ImageBitmap (EXIF orientation applied; at most MAX_SIDE a side). */
export async function decodeImage(bytes, type) {
  const blob = new Blob([bytes], { type });
  const options = { imageOrientation: "from-image", premultiplyAlpha: "none", colorSpaceConversion: "none" };
  let bitmap = await createImageBitmap(blob, options);
  const longer = Math.max(bitmap.width, bitmap.height);
  if (longer > MAX_SIDE) {
    const scale = MAX_SIDE / longer;
    const resized = await createImageBitmap(blob, {
      ...options,
      resizeWidth: Math.max(1, Math.round(bitmap.width * scale)),
      resizeHeight: Math.max(1, Math.round(bitmap.height * scale)),
      resizeQuality: "high",
    });
    bitmap.close();
    bitmap = resized;
  }
  return bitmap;
}

/** An ImageBitmap -> {data: RGBA, width, height}; closes the bitmap. Works in a worker too. */
export function imageRgba(bitmap) {
  const { width, height } = bitmap;
  const canvas = typeof OffscreenCanvas !== "undefined"
    ? new OffscreenCanvas(width, height)
    : Object.assign(document.createElement("canvas"), { width, height });
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { data: ctx.getImageData(0, 0, width, height).data, width, height };
}
