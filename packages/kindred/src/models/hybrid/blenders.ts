// Loads the hybrid blenders and exposes their registry entries: builtin.ts imports the entries from here. The
// entries file comes first (it reaches no class), then each blender module, which registers itself.
export { augmentedEntry, cascadeEntry, switchingEntry, weightedEntry } from './entries.js';
import './augmented.js';
import './cascade.js';
import './switching.js';
import './weighted.js';
