/**
 * A variable a `beforeAll` assigns (`let x: T;`), as the `afterAll` sees it: still unset when
 * the `beforeAll` failed before assigning it. TypeScript types such a variable as always set,
 * which is true in the tests (they do not run when the `beforeAll` failed) but not in the
 * after hook, so the hook reads it through this and keeps its `?.`.
 */
export const maybeUnset = <T>(value: T): T | undefined => value;
