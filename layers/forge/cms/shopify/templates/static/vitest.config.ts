import { defineConfig } from "vitest/config";

export default defineConfig({
  // The tests run with no network and no /etc/hosts: name the loopback address instead of asking DNS for localhost.
  server: { host: "127.0.0.1" },
  test: {
    include: ["tests/**/*.test.ts"],
    // One process, no worker threads: the forge runs the tests under a memory limit.
    pool: "forks",
    poolOptions: { forks: { singleFork: true } },
  },
});
