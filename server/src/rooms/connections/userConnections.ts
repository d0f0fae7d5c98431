/**
 * Every open connection per user id, as device rooms and pool rooms both keep them: several
 * tabs of one user are one holder (or one waiter), and a user is gone only when their last
 * connection is.
 */
export class UserConnections<C> {
  private readonly byUser = new Map<string, Set<C>>();

  add(userId: string, client: C): void {
    const connections = this.byUser.get(userId) ?? new Set();
    connections.add(client);
    this.byUser.set(userId, connections);
  }

  /** `absent`: it was not counted; `last`: it was the user's last connection; else `others`. */
  remove(userId: string, client: C): "absent" | "others" | "last" {
    const connections = this.byUser.get(userId);
    if (!connections?.delete(client)) return "absent";
    if (connections.size > 0) return "others";
    this.byUser.delete(userId);
    return "last";
  }

  has(userId: string): boolean {
    return this.byUser.has(userId);
  }

  of(userId: string): ReadonlySet<C> {
    return this.byUser.get(userId) ?? EMPTY;
  }

  countOf(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  /** Every user with a connection here, with one of their connections. */
  *users(): IterableIterator<[string, C]> {
    for (const [userId, connections] of this.byUser) {
      const first = connections.values().next();
      if (!first.done) yield [userId, first.value];
    }
  }

  count(): number {
    let count = 0;
    for (const connections of this.byUser.values()) count += connections.size;
    return count;
  }
}

const EMPTY: ReadonlySet<never> = new Set();
