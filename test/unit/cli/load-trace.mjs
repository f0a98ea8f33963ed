// `node --import tsx --import ./load-trace.mjs …`: registers load-trace-hooks.mjs.
import { register } from 'node:module';
register(new URL('./load-trace-hooks.mjs', import.meta.url));
