// Names of the objects a lease creates: a template with {{role}}, {{lease}},
// {{namespace}} and {{unix}}, rendered into a valid DNS-1123 label of at most 63
// characters. {{lease}} is required: it is what makes every name unique.

const placeholders = ['role', 'lease', 'namespace', 'unix'] as const;
type Placeholder = (typeof placeholders)[number];

export const DEFAULT_NAME_TEMPLATE = 'tc-{{role}}-{{lease}}';
export const MAX_NAME_LENGTH = 63;

/** undefined when usable, else why not. */
export function checkNameTemplate(template: string): string | undefined {
  for (const [, name] of template.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    if (!(placeholders as readonly string[]).includes(name!)) {
      return `has unknown placeholder {{${name}}} (known: ${placeholders.map((item) => `{{${item}}}`).join(', ')})`;
    }
  }
  if (!/\{\{\s*lease\s*\}\}/.test(template)) return 'must contain {{lease}}, which makes each generated name unique';
  return undefined;
}

function sanitize(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-{2,}/g, '-');
}

export function renderObjectName(template: string | undefined, values: Record<Placeholder, string>): string {
  const rendered = sanitize(
    (template ?? DEFAULT_NAME_TEMPLATE).replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: Placeholder) => values[name]),
  ).replace(/^-+|-+$/g, '');
  if (rendered.length <= MAX_NAME_LENGTH) return rendered;
  // Too long: keep the start and the unique lease part, so the name stays unique and readable.
  const tail = `-${values.lease}`;
  return `${rendered.slice(0, MAX_NAME_LENGTH - tail.length).replace(/-+$/, '')}${tail}`;
}
