// PLACEHOLDER: the serving engineer replaces this file (contract below is what other modules call).
import type { Recommender } from 'kindred';
import type { Engine } from '../engine.js';
import type { FeedbackRecord, ItemRecord, ModelRecord } from '../storage/port.js';

export interface ReadyState {
  ready: boolean;
  model: { name: string; version: number } | null;
  fallbacks: string[];
}

export class ServingService {
  constructor(private readonly engine: Engine) {}
  /** Loads the catalogue, recent feedback state and the active model from the store. */
  async reload(): Promise<void> {}
  ready(): ReadyState {
    return { ready: false, model: null, fallbacks: [] };
  }
  /** Atomically replaces the serving model (called by training and by activate). */
  swapModel(_model: Recommender, _record: ModelRecord): void {}
  /** New feedback is visible at once: seen items, popularity, the user's recent positives; cache invalidation. */
  onFeedback(_rows: FeedbackRecord[]): void {}
  onItemsUpserted(_items: ItemRecord[]): void {}
  onItemDeleted(_id: string): void {}
  onUserDeleted(_id: string): void {}
}
