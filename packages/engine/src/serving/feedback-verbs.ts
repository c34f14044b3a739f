import type { FeedbackTypes } from './user-history.js';

/** Verbs for common type names when the config gives none (`feedback.types.<name>.verb`). */
const DEFAULT_VERBS: Readonly<Record<string, string>> = {
  click: 'clicked',
  like: 'liked',
  purchase: 'bought',
  buy: 'bought',
  rating: 'rated',
  rate: 'rated',
  view: 'viewed',
  watch: 'watched',
  play: 'played',
  listen: 'listened to',
  read: 'read',
  save: 'saved',
  share: 'shared',
  favorite: 'favourited',
  favourite: 'favourited',
  add_to_cart: 'added',
  cart: 'added',
};

/**
 * The past-tense verb explanations use for a feedback type ("Because you {verb} X"): the type's configured `verb`,
 * else a built-in one for common names (click → "clicked", purchase → "bought", rating → "rated"), else "liked".
 * Only positive types ever reach an explanation (the user's positives), so a dislike never says "Because you …".
 *
 * @example
 * const verbOf = feedbackVerbs({ click: { weight: 1 }, play: { weight: 2, verb: 'watched' } });
 * verbOf('click'); // 'clicked'
 * verbOf('play');  // 'watched'
 */
export function feedbackVerbs(types: FeedbackTypes): (type: string) => string {
  const verbs = new Map<string, string>();
  for (const [name, t] of Object.entries(types))
    verbs.set(name, t.verb ?? (Object.hasOwn(DEFAULT_VERBS, name) ? DEFAULT_VERBS[name] : 'liked'));
  return (type) => verbs.get(type) ?? 'liked';
}
