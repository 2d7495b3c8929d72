import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // One process, no worker threads: the forge runs the tests under a memory limit.
    pool: "forks",
    poolOptions: { forks: { singleFork: true } },
  },
});
