/** The question file: CSV in, validated rows and every problem out. */
export { readQuestionFile, type QuestionFile } from './read';
export { formatProblem, type RowProblem } from './problem';
export { groupConversations, conversationKey, deriveBatchId, type Conversation } from './conversations';
export { MAX_CELL_BYTES, MAX_ID_CHARS, MAX_TITLE_CHARS, type QuestionRow } from './row';
