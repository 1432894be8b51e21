/**
 * `npm run lint`'s cycle check: no import cycle between the folders of src/ (a feature folder is
 * one Nest module; a cycle between two means neither can be read, tested or moved alone), and
 * none between files either (madge --circular).
 * madge reads the imports (type-only ones included); files are grouped by their first folder
 * under src/ (files directly in src/ are the application's root, allowed to import anything).
 */
import madge from 'madge';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
/** Known cycles, reported but not failing, each with the issue that removes it. */
const TOLERATED: Record<string, string> = {};

type Graph = Record<string, string[]>;

function folderOf(file: string): string | null {
  const parts = file.split('/');
  return parts.length > 1 ? parts[0] : null;
}

/** Folder → folder edges, each with one file-level import that makes it. */
function folderGraph(files: Graph): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const [from, imports] of Object.entries(files)) {
    const a = folderOf(from);
    if (!a) continue;
    for (const to of imports) {
      const b = folderOf(to);
      if (!b || b === a) continue;
      if (!graph.has(a)) graph.set(a, new Map());
      if (!graph.get(a)!.has(b)) graph.get(a)!.set(b, `${from} → ${to}`);
    }
  }
  return graph;
}

/** Strongly connected components with more than one folder (Tarjan). */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, order.get(w)!));
    }
    if (low.get(v) === order.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!order.has(v)) visit(v);
  return found;
}

async function main(): Promise<void> {
  const result = await madge(join(ROOT, 'src'), { fileExtensions: ['ts'], tsConfig: join(ROOT, 'tsconfig.json'), excludeRegExp: [/\.spec\.ts$/] });
  const graph = folderGraph(result.obj());
  let failed = false;
  for (const cycle of result.circular()) {
    process.stdout.write(`error: import cycle between files ${cycle.join(' → ')}\n`);
    failed = true;
  }
  for (const component of cycles(graph)) {
    const key = component.join(' ↔ ');
    const tolerated = TOLERATED[key];
    process.stdout.write(`${tolerated ? 'tolerated' : 'error'}: import cycle between src/ folders ${key}${tolerated ? ` (${tolerated})` : ''}\n`);
    for (const a of component) for (const [b, via] of graph.get(a) ?? []) if (component.includes(b)) process.stdout.write(`  ${via}\n`);
    if (!tolerated) failed = true;
  }
  if (failed) process.exit(1);
}

void main();
