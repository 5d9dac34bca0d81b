/** Environment variables as they were when saved; `restore` puts them back (unset ones are deleted again). */
export interface SavedEnv {
  restore(): void;
}

/** Saves `names` from `process.env`, for a test that changes them. */
export function saveEnv(...names: string[]): SavedEnv {
  const saved = new Map(names.map((n) => [n, process.env[n]]));
  return {
    restore() {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}
