import type { FeatureMatrix } from '../data/features.js';
import type { IdMap, RawId } from '../data/id-map.js';
import type { MovieInfo, MovieUserInfo } from '../data/movielens.js';
import { decadeBins, type Bins } from './bins.js';
import { FeatureBuilder } from './feature-builder.js';

/** Block weights and text limits of `movieLensItemFeatures`. */
export interface MovieLensItemFeatureOptions {
  /** Weight of the genre block, normalised to unit length per movie (default 1). */
  genreWeight?: number;
  /** Weight of the release-decade feature (default 0.5). */
  decadeWeight?: number;
  /** Weight of the title-word TF-IDF block (default 0.5; 0 leaves titles out). */
  titleWeight?: number;
  /** Title words must occur in at least this many titles (default 2: a word of one title matches nothing). */
  titleMinDf?: number;
}

// A trailing "(1995)" is the release year, already in the decade feature.
const YEAR_SUFFIX = /\s*\(\d{4}\)\s*$/;

/**
 * Item features for MovieLens movies, rows aligned with `itemIds`: genres (`genre=Comedy`, the block scaled to unit
 * length so that a movie with four genres weighs as much as one with one), release decade (`decade=1990s`) and
 * TF-IDF title words (`title=star`, year suffix removed, English stop words dropped). Ids are looked up as numbers,
 * as the MovieLens readers produce them; movies missing from `items` get an empty row.
 *
 * @example
 * const { ratings, items } = await readMovieLens100k('../shared/data/ml-100k');
 * const features = movieLensItemFeatures(items, ratings.itemIds);
 * const model = new ContentKnn().withItemFeatures(features).fit(ratings);
 */
export function movieLensItemFeatures(
  items: ReadonlyMap<number, MovieInfo>,
  itemIds: IdMap,
  opts: MovieLensItemFeatureOptions = {},
): FeatureMatrix {
  const movie = (id: RawId) => items.get(typeof id === 'number' ? id : Number(id));
  const b = new FeatureBuilder(itemIds)
    .categorical('genre', (id) => movie(id)?.genres, { weight: opts.genreWeight ?? 1, normalize: true })
    .binned('decade', (id) => movie(id)?.year, decadeBins(), { weight: opts.decadeWeight ?? 0.5 });
  const titleWeight = opts.titleWeight ?? 0.5;
  if (titleWeight > 0)
    b.text('title', (id) => movie(id)?.title.replace(YEAR_SUFFIX, ''), {
      weight: titleWeight,
      minDf: opts.titleMinDf ?? 2,
    });
  return b.build();
}

/** The age bands of MovieLens 1M (`users.dat`), used to bin ML-100K's exact ages. */
export const MOVIELENS_AGE_BANDS: Bins = {
  edges: [-Infinity, 18, 25, 35, 45, 50, 56, Infinity],
  labels: ['under 18', '18-24', '25-34', '35-44', '45-49', '50-55', '56+'],
};

/**
 * User features for MovieLens users, rows aligned with `userIds`: age band (`age=25-34`, ML-1M's bands), gender
 * (`gender=F`) and occupation (`occupation=engineer`), weight 1 each.
 *
 * @example
 * const { ratings, users } = await readMovieLens100k('../shared/data/ml-100k');
 * const features = movieLensUserFeatures(users, ratings.userIds);
 * features.names; // ['age=under 18', ..., 'gender=F', 'gender=M', 'occupation=administrator', ...]
 */
export function movieLensUserFeatures(users: ReadonlyMap<number, MovieUserInfo>, userIds: IdMap): FeatureMatrix {
  const user = (id: RawId) => users.get(typeof id === 'number' ? id : Number(id));
  return new FeatureBuilder(userIds)
    .binned('age', (id) => user(id)?.age, MOVIELENS_AGE_BANDS)
    .categorical('gender', (id) => user(id)?.gender)
    .categorical('occupation', (id) => user(id)?.occupation)
    .build();
}
