/**
 * Who may read the files we write: results (results.csv, results.jsonl, rejected.csv) and evaluation run files hold
 * questions and answers, so they are created readable by their owner only, in folders only their owner can open.
 * Every writer of those files takes its modes from here (`mkdir(dir, PRIVATE_DIR)`, `open(path, flags,
 * PRIVATE_FILE_MODE)`). Modes apply when a file or folder is created; an existing one keeps the mode it has.
 * Constants only: common/ is also bundled into the workflow sandbox, which has no file system.
 */

/** rw for the owner only. */
export const PRIVATE_FILE_MODE = 0o600;

/** mkdir options: the folder and any missing parent rwx for the owner only. */
export const PRIVATE_DIR = { recursive: true, mode: 0o700 } as const;
