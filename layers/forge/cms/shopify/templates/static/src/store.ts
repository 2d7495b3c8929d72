import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Small JSON records on disk, one file per key (hashed: keys come from requests), written atomically. */
export class Store {
  constructor(private readonly dir: string) {}

  private path(kind: string, key: string): string {
    const folder = join(this.dir, kind);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    return join(folder, `${createHash("sha256").update(key).digest("hex")}.json`);
  }

  // The records are the app's own files, written by put() from the same types.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  get<T>(kind: string, key: string): T | undefined {
    try {
      return JSON.parse(readFileSync(this.path(kind, key), "utf8")) as T;
    } catch {
      return undefined;
    }
  }

  put(kind: string, key: string, value: unknown): void {
    const target = this.path(kind, key);
    const temporary = `${target}.${randomBytes(6).toString("hex")}.tmp`;
    writeFileSync(temporary, JSON.stringify(value), { mode: 0o600 });
    renameSync(temporary, target);
  }

  /** Records the key; false when it was already there (a second delivery of the same event). */
  claim(kind: string, key: string): boolean {
    const target = this.path(kind, key);
    try {
      writeFileSync(target, "{}", { flag: "wx", mode: 0o600 });
      return true;
    } catch {
      return false;
    }
  }

  remove(kind: string, key: string): void {
    rmSync(this.path(kind, key), { force: true });
  }

  all<T>(kind: string): T[] {
    const folder = join(this.dir, kind);
    let names: string[];
    try {
      names = readdirSync(folder).filter((name) => name.endsWith(".json"));
    } catch {
      return [];
    }
    return names.flatMap((name) => {
      try {
        return [JSON.parse(readFileSync(join(folder, name), "utf8")) as T];
      } catch {
        return [];
      }
    });
  }
}
