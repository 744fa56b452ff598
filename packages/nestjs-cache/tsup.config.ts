import { defineConfig } from 'tsup';
import { library } from '../../tsup.base';

export default defineConfig(
  library({ entry: ['src/index.ts', 'src/health.ts', 'src/cache-interceptor.ts'] }),
);
