const DB_UNAVAILABLE = /^(08|57P0|53)/; // connection exceptions, admin shutdown, insufficient resources

/** True for errors that mean a dependency (Postgres, Redis) is away rather than a bug. */
export function isDependencyDown(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  if (typeof code === 'string' && (DB_UNAVAILABLE.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code))) return true;
  const message = String(e?.message ?? '');
  return (
    e?.name === 'MaxRetriesPerRequestError' ||
    /Connection terminated|Connection is closed|connect ECONNREFUSED|Stream isn't writeable|enableOfflineQueue|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)|^(READONLY|CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN)\b|All sentinels are unreachable|Failed to refresh slots cache/i.test(
      message,
    )
  );
}
