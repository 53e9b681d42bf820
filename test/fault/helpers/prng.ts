/**
 * Seeded randomness for the fault cases, so that "random" kill moments and fault phases replay exactly: the
 * simulator's own PRNG (mulberry32), and a whole number drawn from it.
 */
import { mulberry32, type Rng } from '../../../simulator/random';

export type { Rng };

/** A PRNG returning floats in [0, 1), the same sequence for the same seed. */
export const seededRng: (seed: number) => Rng = mulberry32;

/** A whole number in [min, max], both included. */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}
