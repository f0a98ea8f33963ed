import { defineConfig } from 'vitest/config';

// Two projects: "unit" needs no daemon and runs everywhere (`npm test`);
// "system" talks to real daemons that .ci/run starts (podman, firewalld, netns agents).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', '**/__tests__/**/*.test.ts'],
          exclude: ['node_modules/**', 'dist/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'system',
          include: ['test/system/**/*.test.ts'],
          exclude: ['node_modules/**', 'dist/**'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
