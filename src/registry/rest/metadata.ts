import type { FieldKind, FieldSpec, TableSpec } from './tables.js';

/** Django REST framework's SimpleMetadata type names: relations (one or many) are `field`. */
const TYPE_NAMES: Record<FieldKind, string> = {
  int: 'integer',
  text: 'string',
  bool: 'boolean',
  uuid: 'string',
  date: 'datetime',
  relation: 'field',
  many: 'field',
  reverse: 'field',
};

/** `storage_root` → `Storage root`, as Django labels a field. */
function label(name: string): string {
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function fieldInfo(field: FieldSpec): Record<string, unknown> {
  return {
    type: field.lookup ? 'string' : TYPE_NAMES[field.kind],
    required: Boolean(field.required),
    read_only: Boolean(field.readOnly),
    label: label(field.name),
  };
}

/**
 * The answer to `OPTIONS /api/<table>/`, in the FAIR registry's shape (SimpleMetadata + `filter_fields`,
 * data_management/rest/metadata.py): `actions.POST` describes each field (type, required, read_only),
 * only for an authenticated user as Django REST framework checks the POST permission first. FAIR-CLI
 * reads it to find a table's writable fields and relations (`type: field`).
 */
export function tableMetadata(spec: TableSpec, authenticated: boolean): Record<string, unknown> {
  const post: Record<string, unknown> = {
    url: { type: 'field', required: false, read_only: true, label: 'Url' },
  };
  for (const field of spec.fields) if (field.name !== 'id') post[field.name] = fieldInfo(field);
  return {
    name: `${label(spec.name)} List`,
    description: '',
    renders: ['application/json'],
    parses: ['application/json'],
    ...(authenticated ? { actions: { POST: post } } : {}),
    filter_fields: spec.fields.filter((f) => f.name !== 'id').map((f) => f.name),
  };
}
