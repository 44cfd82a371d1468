// tsc compiles TypeScript only; the SQL migrations travel beside the compiled store.
import { cpSync } from 'node:fs';

cpSync('src/store/sqlite/migrations', 'dist/src/store/sqlite/migrations', { recursive: true });
