import { defineConfig } from 'tsup';
import { library } from '../../tsup.base';

// prng: an entry of its own that loads nothing else (benchmarks import it).
export default defineConfig(library({ entry: ['src/index.ts', 'src/prng.ts'], sourcemap: true }));
