// Arguments are checked against their class-validator rules, which are looked up once per class and kept: a kept
// answer must never hide a rule, whether the class was checked before or after the rule came.
import 'reflect-metadata';
import { MaxLength } from 'class-validator';
import { ArgumentValidationError } from 'type-graphql';
import { validateArguments } from '../../src/graphql/argument-validation';

const check = (value: object) => validateArguments(value, value.constructor as never, null as never);

class Named {
  @MaxLength(3)
  name!: string;
}

const named = (name: string) => Object.assign(new Named(), { name });

describe('argument validation', () => {
  it('refuses a value against its rule on the first check and on every one after', async () => {
    for (let i = 0; i < 3; i++) {
      await expect(check(named('abc'))).resolves.toBeUndefined();
      await expect(check(named('abcd'))).rejects.toBeInstanceOf(ArgumentValidationError);
    }
  });

  it('sees a rule added after its class was checked', async () => {
    class Later {
      code!: string;
    }
    const later = Object.assign(new Later(), { code: 'too long' });
    await expect(check(later)).resolves.toBeUndefined();
    MaxLength(2)(Later.prototype, 'code');
    await expect(check(later)).rejects.toBeInstanceOf(ArgumentValidationError);
  });
});
