/**
 * A WHERE clause built from optional filters, with numbered parameters: `add('sp_id = ?', id)`
 * binds `id` as the next `$n`. Used by the operators' search routes.
 */
export class SqlFilter {
  readonly args: unknown[] = [];
  private readonly conditions: string[] = [];

  add(condition: string, ...values: unknown[]): this {
    let text = condition;
    for (const value of values) {
      this.args.push(value);
      text = text.replace('?', `$${this.args.length}`);
    }
    this.conditions.push(text);
    return this;
  }

  /** `WHERE …`, or nothing when no filter was given. */
  get where(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }

  /** Binds one more value (e.g. the LIMIT) and answers its placeholder. */
  param(value: unknown): string {
    this.args.push(value);
    return `$${this.args.length}`;
  }
}
