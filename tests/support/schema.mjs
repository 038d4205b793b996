// A small JSON Schema checker for the subset the engine's schemas use (type, const, enum, required,
// properties, additionalProperties, items, minimum, maximum). Returns the list of problems.
const TYPES = {
  object: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
  array: Array.isArray,
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  integer: Number.isInteger,
  boolean: (v) => typeof v === 'boolean',
  null: (v) => v === null,
};

export function problems(schema, value, path = '$') {
  const out = [];
  if ('const' in schema && value !== schema.const) out.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) out.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  if (schema.type) {
    const types = [].concat(schema.type);
    if (!types.some((t) => TYPES[t](value))) {
      out.push(`${path}: expected ${types.join(' or ')}, got ${JSON.stringify(value)?.slice(0, 40)}`);
      return out;
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) out.push(`${path}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) out.push(`${path}: above ${schema.maximum}`);
  }
  if (TYPES.object(value)) {
    for (const k of schema.required ?? []) if (!(k in value)) out.push(`${path}: missing ${k}`);
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k];
      if (sub) out.push(...problems(sub, v, `${path}.${k}`));
      else if (schema.additionalProperties === false) out.push(`${path}: unexpected ${k}`);
    }
  }
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => out.push(...problems(schema.items, v, `${path}[${i}]`)));
  return out;
}
