/**
 * Ordering by sequence number: the server numbers each conversation's messages 1, 2, 3, …
 * and the thread shows each number once, in order, whatever order frames arrive in (a
 * resume's catch-up, a live message, an acknowledgement of a resend).
 */

/** Where ``sequence`` goes in the ascending list ``sorted``: the index of the first
 * number above it (``sorted.length``: at the end). */
export function insertionIndex(sorted, sequence) {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle] <= sequence) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The sequence numbers shown so far. ``add`` answers the number to insert before (null:
 * after every stored message), or undefined when that number is shown already. */
export function sequences() {
  let sorted = [];
  return {
    has(sequence) {
      const at = insertionIndex(sorted, sequence);
      return at > 0 && sorted[at - 1] === sequence;
    },
    add(sequence) {
      if (!Number.isInteger(sequence) || sequence < 1 || this.has(sequence)) return undefined;
      const at = insertionIndex(sorted, sequence);
      sorted = [...sorted.slice(0, at), sequence, ...sorted.slice(at)];
      return at + 1 < sorted.length ? sorted[at + 1] : null;
    },
    /** The highest number shown (0 before the first): what a resume asks to come after. */
    get last() {
      return sorted.length ? sorted[sorted.length - 1] : 0;
    },
    clear() {
      sorted = [];
    },
  };
}
