// tf.js, as it loads, probes for WebAssembly (long.js compiles a tiny module,
// inside a try). The site's CSP does not allow compiling WebAssembly, so the
// probe is refused with a CSP violation, which browsers report and Lighthouse
// counts, though tf.js needs no WebAssembly (its WebGL and CPU backends are
// JavaScript). tfjs.js imports this module before the bundles and wasmon.js
// after them: WebAssembly is away only while they run, so their probe finds
// none and asks nothing of the CSP. (A module graph runs in one go: no other
// code runs in between.)
export const saved = Object.getOwnPropertyDescriptor(globalThis, "WebAssembly");
delete globalThis.WebAssembly;
