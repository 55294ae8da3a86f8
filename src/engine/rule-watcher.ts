import { readdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { messageOf } from '../errors.js';

/** Default quiet time after the last change in a rules directory before the rules are reloaded, in ms. */
export const DEFAULT_RULES_DEBOUNCE_MS = 1_000;

export interface RuleWatcherOptions {
  /** The rules directories (`config.rulesDirs`). */
  dirs: readonly string[];
  /** Quiet time after the last change before `onChange` runs, in ms; default 1 000. */
  debounceMs?: number;
  /** Reloads the rules; called once per quiet period, never twice at once. A rejection is logged. */
  onChange: () => unknown;
  log: Logger;
}

/**
 * Watches the rules directories with `fs.watch` (inotify on Linux) and calls
 * `onChange` once things have been quiet for `debounceMs`. A directory watch, not
 * a file watch: a Kubernetes ConfigMap volume is updated by writing a new hidden
 * `..<timestamp>` directory and renaming a `..data_tmp` symlink over `..data`,
 * which the visible `x.yaml -> ..data/x.yaml` links go through; the rename is an
 * event in the watched directory, while the files themselves are never written.
 * Visible subdirectories are watched as well (the loader reads them); hidden ones
 * are not (the kubelet's own, written before the swap). The set of watched
 * directories is brought up to date after every reload.
 */
export class RuleWatcher {
  readonly #dirs: readonly string[];
  readonly #debounceMs: number;
  readonly #onChange: () => unknown;
  readonly #log: Logger;
  readonly #watchers = new Map<string, FSWatcher>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #pending = false;
  #closed = false;

  constructor(options: RuleWatcherOptions) {
    this.#dirs = options.dirs;
    this.#debounceMs = options.debounceMs ?? DEFAULT_RULES_DEBOUNCE_MS;
    this.#onChange = options.onChange;
    this.#log = options.log;
  }

  /** Starts watching; a directory that cannot be watched is logged and skipped. */
  start(): void {
    this.#sync();
    this.#log.info(
      { dirs: this.#dirs.length, watched: this.#watchers.size, debounceMs: this.#debounceMs },
      'watching the rules directories',
    );
  }

  /** Stops watching and cancels a pending reload (one already running finishes). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#fire(), this.#debounceMs);
  }

  async #fire(): Promise<void> {
    if (this.#running) {
      // A change during a reload: reload again once this one is done.
      this.#pending = true;
      return;
    }
    this.#running = true;
    try {
      await this.#onChange();
    } catch (error) {
      this.#log.error({ err: messageOf(error) }, 'rule reload after a change in a rules directory failed');
    } finally {
      this.#running = false;
    }
    if (this.#closed) return;
    this.#sync();
    if (this.#pending) {
      this.#pending = false;
      this.#schedule();
    }
  }

  /** Watches every configured directory and its visible subdirectories; stops watching those that are gone. */
  #sync(): void {
    const wanted = new Set<string>();
    for (const dir of this.#dirs) for (const path of visibleDirs(dir)) wanted.add(path);
    for (const [path, watcher] of this.#watchers) {
      if (!wanted.has(path)) {
        watcher.close();
        this.#watchers.delete(path);
      }
    }
    for (const path of wanted) {
      if (this.#watchers.has(path)) continue;
      try {
        // Not persistent: watching must not keep a stopping process alive.
        const watcher = watch(path, { persistent: false }, () => this.#schedule());
        watcher.on('error', (error) => {
          // The directory went away (or inotify gave up on it): drop it; the reload says what is wrong, the next sync re-adds it.
          this.#log.warn({ dir: path, err: error.message }, 'stopped watching a rules directory');
          watcher.close();
          this.#watchers.delete(path);
          this.#schedule();
        });
        this.#watchers.set(path, watcher);
      } catch (error) {
        this.#log.warn(
          { dir: path, err: (error as NodeJS.ErrnoException).code ?? messageOf(error) },
          'cannot watch a rules directory',
        );
      }
    }
  }
}

/** `dir` and every non-hidden directory below it (symlinked directories are not followed, as in the loader). */
function visibleDirs(dir: string): string[] {
  const found = [dir];
  // An array's iterator sees what is pushed during the loop: a breadth-first walk.
  for (const current of found) {
    let entries;
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch {
      continue; // gone or unreadable: the loader reports it
    }
    for (const entry of entries)
      if (entry.isDirectory() && !entry.name.startsWith('.')) found.push(join(current, entry.name));
  }
  return found;
}
