import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let generation = 0;

/**
 * A directory laid out and updated the way the kubelet's atomic writer updates a
 * ConfigMap volume: the files live in a hidden `..<timestamp>` directory, `..data`
 * is a symlink to it, and each visible `x.yaml` is a symlink to `..data/x.yaml`.
 * `update` writes a new timestamped directory, points a `..data_tmp` symlink at it,
 * renames that over `..data` (the one atomic step), adds links for new keys, removes
 * links of keys that are gone, then deletes the old timestamped directory.
 */
export class ConfigMapDir {
  private constructor(readonly path: string) {}

  static create(files: Record<string, string>): ConfigMapDir {
    const dir = new ConfigMapDir(mkdtempSync(join(tmpdir(), 'aw-configmap-')));
    dir.update(files);
    return dir;
  }

  update(files: Record<string, string>): void {
    generation += 1;
    const stamp = `..${new Date().toISOString().replace(/[-:T]/g, '_').replace(/\..*$/, '')}.${String(process.pid)}${String(generation).padStart(6, '0')}`;
    mkdirSync(join(this.path, stamp));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(this.path, stamp, name), text);
    const data = join(this.path, '..data');
    const old = existsSync(data) ? readlinkSync(data) : undefined;
    const tmp = join(this.path, '..data_tmp');
    symlinkSync(stamp, tmp);
    renameSync(tmp, data);
    for (const name of Object.keys(files))
      if (!existsSync(join(this.path, name))) symlinkSync(join('..data', name), join(this.path, name));
    for (const name of this.visible()) if (!(name in files)) unlinkSync(join(this.path, name));
    if (old !== undefined) rmSync(join(this.path, old), { recursive: true, force: true });
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }

  /** Names of the visible links (what a pod sees with `ls`). */
  private visible(): string[] {
    return readdirSync(this.path).filter((n) => !n.startsWith('.'));
  }
}
