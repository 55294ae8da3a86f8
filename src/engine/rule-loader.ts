import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { RuleError, type RuleProblem, messageOf } from '../errors.js';
import { compileRule, type CompiledRule } from './compile.js';
import { MatchCompileError } from './matcher.js';
import { ruleFileSpec, type BusinessHoursSpec, type RuleFileSpec } from './rule-schema.js';

/** A validated, compiled rule set. */
export interface RuleSet {
  /** Every rule, enabled or not. */
  rules: CompiledRule[];
  /** Rules the engine evaluates. */
  enabled: CompiledRule[];
  /** The directories the rules were loaded from. */
  dirs: string[];
  /**
   * First 16 hex digits of SHA-256 over every rule file (directory index, path inside
   * it, bytes): equal on replicas running the same rules, whatever the mount path.
   */
  hash: string;
}

/** Largest rule file accepted, in bytes. */
const MAX_FILE_BYTES = 1024 * 1024;
/** YAML aliases allowed per file: anchors are fine, alias bombs are not. */
const MAX_ALIASES = 100;
/**
 * Deepest nesting of YAML collections accepted. Rules need far less (all/any/not
 * at most 8 levels); the schema validator recurses per level and runs out of
 * stack a few hundred levels down, which must be a problem, not a crash.
 */
const MAX_NESTING = 64;

/**
 * All `.yaml`/`.yml` files below `dir`, sorted, as paths. Hidden entries are
 * skipped: a Kubernetes ConfigMap volume holds each file twice, as a symlink
 * and inside a hidden `..<timestamp>` directory. Symlinked files are followed,
 * symlinked directories are not (no loops).
 */
export function ruleFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (
        /\.ya?ml$/.test(entry.name) &&
        (entry.isFile() || (entry.isSymbolicLink() && statSync(path, { throwIfNoEntry: false })?.isFile()))
      )
        found.push(path);
    }
  };
  walk(dir);
  return found;
}

/**
 * Loads every rule file below each directory (the bundled pack and custom rules
 * side by side). All problems in all files are collected and thrown together as
 * one RuleError naming file, line, rule and field.
 */
export function loadRules(dirOrDirs: string | readonly string[], hours: BusinessHoursSpec = {}): RuleSet {
  const dirs = typeof dirOrDirs === 'string' ? [dirOrDirs] : [...dirOrDirs];
  const problems: RuleProblem[] = [];
  const rules: CompiledRule[] = [];
  const files: string[] = [];
  /** Each file's name for the hash: its directory's index and its path inside that directory. */
  const hashNames = new Map<string, string>();
  dirs.forEach((dir, index) => {
    try {
      const found = ruleFiles(dir);
      if (found.length === 0) problems.push({ file: dir, message: 'no rule files (*.yaml, *.yml)' });
      for (const path of found) hashNames.set(path, `${index}\u0000${relative(dir, path)}`);
      files.push(...found);
    } catch (error) {
      problems.push({
        file: dir,
        message: `cannot read rules directory: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      });
    }
  });
  const hash = createHash('sha256');
  const seen = new Map<string, string>();
  for (const path of files) {
    const file = relative(process.cwd(), path) || path;
    const parsed = parseRuleFile(path, file, problems);
    if (parsed === undefined) continue;
    hash.update(`${hashNames.get(path)}\u0000${parsed.text.length}\u0000${parsed.text}\u0000`);
    parsed.spec.rules.forEach((spec, index) => {
      const other = seen.get(spec.id);
      if (other !== undefined) {
        problems.push({
          file,
          rule: spec.id,
          field: 'id',
          line: parsed.lineOf(['rules', index, 'id']),
          message: `duplicate rule id (also in ${other})`,
        });
        return;
      }
      seen.set(spec.id, file);
      try {
        rules.push(compileRule(spec, file, parsed.spec.version, hours));
      } catch (error) {
        if (!(error instanceof MatchCompileError)) throw error;
        problems.push({
          file,
          rule: spec.id,
          field: error.field,
          line: parsed.lineOf(['rules', index, ...error.field.split(/[.[\]]+/).filter(Boolean)]),
          message: error.message,
        });
      }
    });
  }
  if (problems.length > 0) throw new RuleError(problems);
  return { rules, enabled: rules.filter((r) => r.spec.enabled), dirs, hash: hash.digest('hex').slice(0, 16) };
}

interface ParsedFile {
  spec: RuleFileSpec;
  /** The file's text, as parsed (for the rule set's hash). */
  text: string;
  lineOf(path: ReadonlyArray<string | number>): number | undefined;
}

function parseRuleFile(path: string, file: string, problems: RuleProblem[]): ParsedFile | undefined {
  const size = statSync(path).size;
  if (size > MAX_FILE_BYTES) {
    problems.push({ file, message: `file is larger than ${MAX_FILE_BYTES} bytes` });
    return undefined;
  }
  const lineCounter = new LineCounter();
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const yamlProblems = [...doc.errors, ...doc.warnings];
  if (yamlProblems.length > 0) {
    for (const e of yamlProblems)
      problems.push({ file, line: lineCounter.linePos(e.pos[0]).line, message: `YAML: ${e.message.split('\n')[0]}` });
    return undefined;
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    problems.push({ file, message: `YAML: ${messageOf(error)}` });
    return undefined;
  }
  const lineOf = (p: ReadonlyArray<string | number>) => nodeLine(doc, lineCounter, p);
  const deep = deepestPath(raw, MAX_NESTING);
  if (deep !== undefined) {
    problems.push({
      file,
      ...locate(raw, deep),
      line: lineOf(deep),
      message: `nests deeper than ${MAX_NESTING} levels`,
    });
    return undefined;
  }
  const result = ruleFileSpec.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      problems.push({ file, ...locate(raw, path), line: lineOf(path), message: issue.message });
    }
    return undefined;
  }
  return { spec: result.data, text, lineOf };
}

/** The rule id and field path (`match.not.method`) a document path points into. */
function locate(raw: unknown, path: ReadonlyArray<string | number>): { rule?: string; field: string } {
  const rule = path[0] === 'rules' && typeof path[1] === 'number' ? ruleIdAt(raw, path[1]) : undefined;
  const field = (path[0] === 'rules' ? path.slice(2) : path)
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
  return { rule, field };
}

/** The path of the first collection nested `limit` levels deep, or undefined. Iterative: the input may be deeper than the stack. */
function deepestPath(value: unknown, limit: number): Array<string | number> | undefined {
  const stack: Array<{ node: unknown; path: Array<string | number> }> = [{ node: value, path: [] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, path } = item;
    if (typeof node !== 'object' || node === null) continue;
    if (path.length >= limit) return path;
    for (const [key, child] of Object.entries(node))
      stack.push({ node: child, path: [...path, Array.isArray(node) ? Number(key) : key] });
  }
  return undefined;
}

function ruleIdAt(raw: unknown, index: number): string | undefined {
  const rules = (raw as { rules?: unknown[] }).rules;
  const id = (rules?.[index] as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : `#${index + 1}`;
}

/** The line of the deepest YAML node that exists along `path`. */
function nodeLine(doc: Document, counter: LineCounter, path: ReadonlyArray<string | number>): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}
