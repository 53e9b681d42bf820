/**
 * The statuses of a response, and how to read one this client does not know. No zod and no I/O here, so workflow
 * code may import it (`looksTerminal`, `UNKNOWN_STATUS`) without pulling in the client.
 */
export const RESPONSE_STATUSES = ['CREATED', 'IN_PROGRESS', 'COMPLETED', 'FAILED'] as const;

/** COMPLETED and FAILED are the only terminal states; unknown statuses count as not terminal. */
export function isTerminalStatus(status: string): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}

/** Words that, in a status the contract does not list, suggest the response will not change any more. */
const TERMINAL_LOOKING =
  /(^|_)(CANCEL+ED|CANCEL+ATION|ABORTED|ERROR|ERRORED|FAILURE|EXPIRED|TIMED|TIMEOUT|REJECTED|DONE|FINISHED|SUCCEEDED|SUCCESS|ENDED|CLOSED|STOPPED|TERMINATED|INCOMPLETE|COMPLETE|DECLINED|DENIED|HANDED|HANDOFF|ESCALATED)($|_)/;

/**
 * True for a status outside the documented four that reads like an end state (CANCELLED, TIMED_OUT, ERRORED,
 * HANDED_OFF…). Such a response is reported (kind `terminal_status`) and polled like any unknown status, but the
 * turn should end at its deadline with the error code UNKNOWN_STATUS instead of a plain timeout.
 */
export function looksTerminal(status: string): boolean {
  if ((RESPONSE_STATUSES as readonly string[]).includes(status)) return false;
  return TERMINAL_LOOKING.test(status.toUpperCase());
}

/** The error code of a turn that ended at its deadline on a status this client does not know. */
export const UNKNOWN_STATUS = 'UNKNOWN_STATUS';
