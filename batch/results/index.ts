/** The results of a batch: results.jsonl (journal, every field) and results.csv (input cells + summary). */
export { ResultsWriter, JOURNAL_FILE, CSV_FILE } from './writer';
export { RESULT_COLUMNS, type ResultRecord, type ResultCitation } from './record';
export { writeRejectedRows, REJECTED_FILE } from './rejected';
