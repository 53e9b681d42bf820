/**
 * The results of a batch, the files out: results.jsonl (the journal, every field: journal.ts), results.csv (input
 * cells + summary, following the journal: writer.ts) and rejected.csv; one record's shape and CSV row: record.ts.
 */
export { ResultsWriter, readInputColumns, writeRejectedRows, CSV_FILE, REJECTED_FILE } from './writer';
export { JOURNAL_FILE } from './journal';
export { CsvLayout, parseRecord, RESULT_COLUMNS, type ResultRecord } from './record';
