// WebAssembly back after tf.js' bundles have run (see wasmoff.js).
import { saved } from "./wasmoff.js";

if (saved) Object.defineProperty(globalThis, "WebAssembly", saved);
