/**
 * Whether a zod schema returns its input unchanged apart from dropping unknown object keys: no
 * defaults, transforms, pipes, catches or value-rewriting checks (trim, toLowerCase, …) anywhere.
 * For such channels a valid journal line can go to DuckDB byte for byte (DuckDB ignores keys that
 * are not columns), which saves re-serializing the bulk channels. Anything unrecognised counts as
 * not an identity, so a future schema feature can only make the compactor slower, never wrong.
 */
import type { z } from 'zod';

interface Def {
  type: string;
  checks?: { _zod: { def: { check: string } } }[];
  shape?: Record<string, Node>;
  catchall?: Node;
  element?: Node;
  innerType?: Node;
  options?: Node[];
  items?: Node[];
  rest?: Node | null;
  keyType?: Node;
  valueType?: Node;
}
type Node = { _zod: { def: Def } };

const LEAVES = new Set(['string', 'number', 'int', 'boolean', 'null', 'enum', 'literal', 'template_literal', 'nan']);

function isIdentity(node: Node): boolean {
  const def = node._zod.def;
  if (def.checks?.some((c) => c._zod.def.check === 'overwrite')) return false;
  // z.custom only checks (its refinements cannot rewrite the value), like a leaf.
  if (LEAVES.has(def.type) || def.type === 'custom') return true;
  switch (def.type) {
    case 'object':
      return Object.values(def.shape!).every(isIdentity) && (!def.catchall || isIdentity(def.catchall));
    case 'array':
      return isIdentity(def.element!);
    case 'nullable':
    case 'optional':
    case 'readonly':
      return isIdentity(def.innerType!);
    case 'union':
      return def.options!.every(isIdentity);
    case 'tuple':
      return def.items!.every(isIdentity) && (!def.rest || isIdentity(def.rest));
    case 'record':
      return isIdentity(def.keyType!) && isIdentity(def.valueType!);
    default:
      return false;
  }
}

export function schemaIsIdentity(schema: z.ZodType): boolean {
  return isIdentity(schema as unknown as Node);
}
