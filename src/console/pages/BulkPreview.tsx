// Bulk assign / revoke for the users picked on Assign License: first a dry run (`dryRun: true`, nothing written)
// whose answer is shown — who would get or lose the licence, who would be refused and why, the counts before and
// after — and only Apply writes, with the same input and one idempotency key per preview.
import { useApolloClient, useMutation } from '@apollo/client/react';
import { useId, useState } from 'react';
import { shownError } from '../errors';
import { graphql } from '../gql';
import type { AssignLicensesMutation, BulkLicenseInput, BulkMode, Product } from '../gql/graphql';
import { newIdempotencyKey } from '../idempotency';
import { productName } from '../products';
import { SeatCounts } from '../seat-counts';

const AssignLicenses = graphql(`
  mutation AssignLicenses($input: BulkLicenseInput!) {
    assignLicenses(input: $input) {
      dryRun
      applied {
        id
        name
        email
      }
      refused {
        index
        userId
        code
        message
      }
      seatsBefore {
        ...SeatCounts
      }
      seatsAfter {
        ...SeatCounts
      }
    }
  }
`);

const RevokeLicenses = graphql(`
  mutation RevokeLicenses($input: BulkLicenseInput!) {
    revokeLicenses(input: $input) {
      dryRun
      applied {
        id
        name
        email
      }
      refused {
        index
        userId
        code
        message
      }
      seatsBefore {
        ...SeatCounts
      }
      seatsAfter {
        ...SeatCounts
      }
    }
  }
`);

export type BulkKind = 'assign' | 'revoke';
type Result = AssignLicensesMutation['assignLicenses'];
type Seats = Result['seatsAfter'];

interface Preview {
  readonly kind: BulkKind;
  readonly input: BulkLicenseInput;
  readonly result: Result;
}

/** `SeatAvailability:<account>:<product>:op:<id>:after` is the live entity's id with the operation's suffix. */
function liveId(seats: Seats): string {
  return seats.id.replace(/:op:.*$/, '');
}

const KIND_NAMES: Record<BulkKind, { verb: string; done: string }> = {
  assign: { verb: 'Assign', done: 'would get the licence' },
  revoke: { verb: 'Revoke', done: 'would lose the licence' },
};

interface Props {
  readonly users: readonly { readonly id: string; readonly name: string }[];
  readonly product: Product;
  onApplied(message: string): void;
}

export function BulkPanel({ users, product, onApplied }: Props) {
  const apollo = useApolloClient();
  const [assign] = useMutation(AssignLicenses);
  const [revoke] = useMutation(RevokeLicenses);
  const [mode, setMode] = useState<BulkMode>('ALL_OR_NOTHING');
  const [reason, setReason] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { title: useId(), mode: useId(), reason: useId(), preview: useId() };

  const run = async (kind: BulkKind, input: BulkLicenseInput): Promise<Result> => {
    switch (kind) {
      case 'assign': {
        const { data } = await assign({ variables: { input } });
        if (!data) throw new Error('no answer');
        return data.assignLicenses;
      }
      case 'revoke': {
        const { data } = await revoke({ variables: { input } });
        if (!data) throw new Error('no answer');
        return data.revokeLicenses;
      }
      default: {
        const unknown: never = kind;
        throw new Error(`unknown bulk operation ${unknown}`);
      }
    }
  };

  const previewOf = async (kind: BulkKind) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    setPreview(null);
    const input: BulkLicenseInput = {
      userIds: users.map((user) => user.id),
      product,
      mode,
      dryRun: true,
      ...(kind === 'revoke' && reason.trim() ? { reason } : {}),
    };
    try {
      setPreview({ kind, input, result: await run(kind, input) });
    } catch (caught) {
      setError(shownError(caught).message);
    } finally {
      setBusy(false);
    }
  };

  const apply = async () => {
    if (!preview || busy) return;
    setBusy(true);
    setError(null);
    try {
      const input = { ...preview.input, dryRun: false, idempotencyKey: newIdempotencyKey(`bulk-${preview.kind}`) };
      const result = await run(preview.kind, input);
      // The answer's counts carry the operation's id: written onto the live entity, so every counter moves now
      // (the live subscription brings the same counts a moment later).
      apollo.cache.writeFragment({
        fragment: SeatCounts,
        data: { ...result.seatsAfter, id: liveId(result.seatsAfter) },
      });
      await apollo.refetchQueries({ include: ['UserSearch'] });
      setPreview(null);
      onApplied(
        `${KIND_NAMES[preview.kind].verb}: applied to ${result.applied.length}, refused ${result.refused.length}.`,
      );
    } catch (caught) {
      setError(shownError(caught).message);
    } finally {
      setBusy(false);
    }
  };

  const nameOf = (userId: string | null | undefined) => users.find((user) => user.id === userId)?.name ?? userId;
  const counts = (seats: Seats) =>
    `purchased ${seats.purchased}, assigned ${seats.assigned}, reserved ${seats.reserved}, available ${seats.available}`;

  return (
    <section className="card bulk" aria-labelledby={ids.title}>
      <h2 id={ids.title}>
        Bulk: {users.length} selected, {productName(product)}
      </h2>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={ids.mode}>If some cannot be applied</label>
          <select id={ids.mode} value={mode} onChange={(event) => setMode(event.target.value as BulkMode)}>
            <option value="ALL_OR_NOTHING">Apply none (all or nothing)</option>
            <option value="BEST_EFFORT">Apply the others (best effort)</option>
          </select>
        </div>
        <div className="field grow">
          <label htmlFor={ids.reason}>Reason for revoking (kept in the history)</label>
          <input id={ids.reason} value={reason} maxLength={500} onChange={(event) => setReason(event.target.value)} />
        </div>
      </div>
      <div className="actions start">
        <button type="button" onClick={() => previewOf('assign')} disabled={users.length === 0} aria-disabled={busy}>
          Preview bulk assign
        </button>
        <button type="button" onClick={() => previewOf('revoke')} disabled={users.length === 0} aria-disabled={busy}>
          Preview bulk revoke
        </button>
      </div>
      <div role="alert" className="error">
        {error}
      </div>
      {preview && (
        <section className="preview" aria-labelledby={ids.preview} data-testid="bulk-preview">
          <h3 id={ids.preview}>
            Preview (nothing written yet): {KIND_NAMES[preview.kind].verb.toLowerCase()} {productName(product)}
          </h3>
          <p>
            {preview.result.applied.length} {KIND_NAMES[preview.kind].done}
            {preview.result.applied.length > 0 && `: ${preview.result.applied.map((user) => user.name).join(', ')}`}.
          </p>
          {preview.result.refused.length > 0 && (
            <>
              <p>{preview.result.refused.length} would be refused:</p>
              <ul>
                {preview.result.refused.map((refusal) => (
                  <li key={refusal.index}>
                    {nameOf(refusal.userId)}: {refusal.message} ({refusal.code})
                  </li>
                ))}
              </ul>
            </>
          )}
          <p data-testid="bulk-counts-before">Now: {counts(preview.result.seatsBefore)}.</p>
          <p data-testid="bulk-counts-after">After: {counts(preview.result.seatsAfter)}.</p>
          <div className="actions start">
            <button type="button" className="primary" onClick={apply} aria-disabled={busy}>
              Apply
            </button>
            <button type="button" onClick={() => setPreview(null)}>
              Discard preview
            </button>
          </div>
        </section>
      )}
    </section>
  );
}
