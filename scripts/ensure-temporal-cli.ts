/** `node dist/scripts/ensure-temporal-cli.js`: prints the path of a usable Temporal CLI, building it if needed. */
import { ensureTemporalCli, TemporalCliMissingError } from '../dev/temporal-cli';

try {
  console.log(ensureTemporalCli());
} catch (err) {
  console.error(err instanceof TemporalCliMissingError ? err.message : err);
  process.exit(3);
}
