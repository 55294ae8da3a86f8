import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRules, ruleFiles } from '../../src/engine/rule-loader.js';
import { BUNDLED_RULES_DIR } from '../../src/settings.js';

const RULE = `version: 1.0.0
rules:
  - id: custom-topic-delete
    title: Topic deleted
    description: Any topic deletion.
    severity: medium
    match:
      method: [kafka.DeleteTopics]
    detector: { type: any }
    summary: "topic deleted"
`;

/**
 * The Helm chart mounts custom rules from a ConfigMap (a projected volume) at
 * /etc/auditwatch/rules. The kubelet lays such a volume out as
 *   ..2026_11_27_03_00_00.123456789/custom.yaml   (the real files)
 *   ..data -> ..2026_11_27_03_00_00.123456789     (swapped atomically on update)
 *   custom.yaml -> ..data/custom.yaml
 * so each file must be loaded once, through its top-level name, and the
 * hidden timestamped directory skipped.
 */
describe('rules mounted from a Kubernetes ConfigMap', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads each rule file once, next to the bundled pack', () => {
    dir = mkdtempSync(join(tmpdir(), 'aw-configmap-'));
    const stamp = '..2026_11_27_03_00_00.123456789';
    mkdirSync(join(dir, stamp));
    writeFileSync(join(dir, stamp, 'custom.yaml'), RULE);
    symlinkSync(stamp, join(dir, '..data'));
    symlinkSync(join('..data', 'custom.yaml'), join(dir, 'custom.yaml'));

    expect(ruleFiles(dir)).toEqual([join(dir, 'custom.yaml')]);
    const set = loadRules([BUNDLED_RULES_DIR, dir]);
    expect(set.rules.filter((r) => r.id === 'custom-topic-delete')).toHaveLength(1);
  });
});
