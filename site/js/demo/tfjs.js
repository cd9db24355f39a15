// TensorFlow.js for the engine (engine.js imports this module when it loads):
// the vendored UMD bundles (theme/hooks.py copies them from node_modules)
// imported for their side effect, the global `tf`. A module's imports are
// fetched together and run in this order: the core first, then the bundles
// that add to it. The CPU backend gives the first answer while WebGL would
// still be compiling its shaders (engine.js); WebGL runs the rest. Around
// them, WebAssembly is hidden, so that their probe for it does not break the
// site's CSP (wasmoff.js says why).
import "./wasmoff.js";
import "../../vendor/tfjs/tf-core.es2017.min.js";
import "../../vendor/tfjs/tf-backend-cpu.es2017.min.js";
import "../../vendor/tfjs/tf-backend-webgl.es2017.min.js";
import "../../vendor/tfjs/tf-converter.es2017.min.js";
import "./wasmon.js";
