// The API's validation messages placed at the fields they are about: BAD_USER_INPUT answers
// `extensions.fields[].field` with every rule broken (docs/errors.md), and EMAIL_TAKEN belongs to the e-mail field.
// Whatever no field of the form shows stays a message for the form as a whole.
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { shownError } from './errors';

export interface FormErrors {
  /** Messages per input field name (`email`, `name`, …), every broken rule joined. */
  readonly fields: Readonly<Record<string, string>>;
  /** For the form's own alert: the API's message when no listed field takes it. */
  readonly form: string | null;
  readonly code: string | undefined;
}

interface FieldEntry {
  readonly field?: unknown;
  readonly rules?: readonly { readonly message?: unknown }[];
}

export function formErrors(error: unknown, formFields: readonly string[]): FormErrors {
  const shown = shownError(error);
  const fields: Record<string, string> = {};
  if (CombinedGraphQLErrors.is(error)) {
    const extensions = error.errors[0]?.extensions;
    const entries = Array.isArray(extensions?.fields) ? (extensions.fields as FieldEntry[]) : [];
    for (const entry of entries) {
      if (typeof entry.field !== 'string' || !formFields.includes(entry.field)) continue;
      const messages = (entry.rules ?? []).map((rule) => String(rule.message ?? ''));
      fields[entry.field] = messages.filter(Boolean).join('; ');
    }
  }
  if (shown.code === 'EMAIL_TAKEN' && formFields.includes('email')) fields.email = shown.message;
  const placed = Object.keys(fields).length > 0;
  return { fields, form: placed ? null : shown.message, code: shown.code };
}
