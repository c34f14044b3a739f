// Test helpers shared by the storage tests (a .case.ts file: imported by tests, never by the engine).
import type { FeedbackRecord } from './port.js';

/** One feedback row (value 1). */
export const fb = (userId: string, itemId: string, timestamp: number, type = 'click'): FeedbackRecord => ({
  userId,
  itemId,
  type,
  value: 1,
  timestamp,
});

/** insertFeedback options that create unknown users and items. */
export const both = { createUsers: true, createItems: true };
