/**
 * khutulun.noop — the smallest built-in: the Standard lifecycle as intents for the `noop` runtime
 * (for abstract nodes and tests), and `echo`, a value function returning the event payload.
 */
import { definePlugin, value } from '../../sdk/define-plugin.js';
import { ensure, remove } from '../../sdk/effect-builders.js';

export const { describe, invoke } = definePlugin(
  'khutulun.noop',
  {
    create: () => [],
    configure: () => [],
    start: (_event, vertex) => [ensure('noop', vertex.id, { kind: 'noop' })],
    stop: (_event, vertex) => [remove('noop', vertex.id)],
    delete: (_event, vertex) => [remove('noop', vertex.id)],
    echo: (event) => value(event.payload ?? null),
  },
  { version: '0.1.0' },
);
