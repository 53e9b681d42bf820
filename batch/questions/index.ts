/** The question file, CSV in: validated rows and every problem out (read.ts), then conversations (conversations.ts). */
export { readQuestionFile, formatProblem, type QuestionFile, type QuestionRow, type RowProblem } from './read';
export { groupConversations, conversationKey, deriveBatchId, type Conversation } from './conversations';
