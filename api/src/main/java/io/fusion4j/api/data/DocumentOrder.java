package io.fusion4j.api.data;

import java.util.SplittableRandom;

/**
 * Which document fills each slot of the stream, as a pure function of (seed, epoch, slot), so any slot is found
 * without replaying the ones before it.
 *
 * <p>An epoch is one pass over the pairs in a seeded permutation. Text documents are interleaved at a fixed share
 * {@code f} of the slots, spread evenly (slot {@code i} is text when {@code ⌊(i+1)f⌋ > ⌊if⌋}), so that the text:image
 * token ratio is met over every stretch of the stream, not only on average. Text documents are drawn from their own
 * seeded permutation, cycling through the corpus independently of the pair epochs (the text corpus may be far
 * larger or smaller than one epoch needs). With no pairs, an epoch is one pass over the text documents.
 */
final class DocumentOrder {
    private static final long PAIR_SALT = 0x5041495253L;
    private static final long TEXT_SALT = 0x54455854L;
    private static final long ORDER_SALT = 0x4f52444552L;
    private static final long DROP_SALT = 0x44524f50L;

    /**
     * The document in a slot: a pair (with its layout order, and whether its caption is dropped for classifier-free
     * guidance) or a text document, by index into its source.
     */
    record Slot(boolean text, int index, boolean captionFirst, boolean captionDropped) {
    }

    private record Permutation(long key, int[] order) {
    }

    private final long seed;
    private final int pairs;
    private final int texts;
    private final double textShare;
    private final double captionFirstShare;
    private final double captionDropShare;
    private final long slotsPerEpoch;
    private final long textsPerEpoch;
    private volatile Permutation pairOrder;
    private volatile Permutation textOrder;

    DocumentOrder(long seed, int pairs, int texts, double textShare, double captionFirstShare) {
        this(seed, pairs, texts, textShare, captionFirstShare, 0);
    }

    DocumentOrder(long seed, int pairs, int texts, double textShare, double captionFirstShare,
                  double captionDropShare) {
        if (pairs == 0 && texts == 0) {
            throw new IllegalArgumentException("the stream needs at least one pair or text document");
        }
        if (pairs > 0 && textShare > 0 && texts == 0) {
            throw new IllegalArgumentException("the text:image ratio needs text documents, but there are none");
        }
        this.seed = seed;
        this.pairs = pairs;
        this.texts = texts;
        this.textShare = pairs == 0 ? 1 : textShare;
        this.captionFirstShare = captionFirstShare;
        this.captionDropShare = captionDropShare;
        if (pairs == 0) {
            slotsPerEpoch = texts;
        } else {
            // The epoch ends at the slot of what would be the next epoch's first pair, so the text documents after
            // the last pair belong to this epoch and the share holds across epochs.
            long i = pairs;
            while (i - textsBefore(i) < pairs || isText(i)) {
                i++;
            }
            slotsPerEpoch = i;
        }
        textsPerEpoch = slotsPerEpoch - pairs;
    }

    long slotsPerEpoch() {
        return slotsPerEpoch;
    }

    private long textsBefore(long slot) {
        return pairs == 0 ? slot : (long) Math.floor(slot * textShare);
    }

    private boolean isText(long slot) {
        return textsBefore(slot + 1) > textsBefore(slot);
    }

    Slot slot(long epoch, long slot) {
        if (slot < 0 || slot >= slotsPerEpoch) {
            throw new IllegalArgumentException("slot " + slot + " is outside an epoch of " + slotsPerEpoch
                    + " documents");
        }
        long before = textsBefore(slot);
        if (isText(slot)) {
            long g = epoch * textsPerEpoch + before;
            long cycle = g / texts;
            textOrder = permutation(textOrder, TEXT_SALT, cycle, texts);
            return new Slot(true, textOrder.order()[(int) (g % texts)], false, false);
        }
        long j = slot - before; // the pair's place in this epoch
        pairOrder = permutation(pairOrder, PAIR_SALT, epoch, pairs);
        boolean captionFirst = uniform(mix(mix(mix(seed ^ ORDER_SALT) + epoch) + j)) < captionFirstShare;
        // Its own stream, so a share of 0 leaves every other choice (and every existing data order) as it was.
        boolean dropped = captionDropShare > 0
                && uniform(mix(mix(mix(seed ^ DROP_SALT) + epoch) + j)) < captionDropShare;
        return new Slot(false, pairOrder.order()[(int) j], captionFirst, dropped);
    }

    /** The cached permutation when its key matches, else a fresh seeded Fisher–Yates shuffle of {@code n}. */
    private Permutation permutation(Permutation cached, long salt, long key, int n) {
        if (cached != null && cached.key() == key) {
            return cached;
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(mix(mix(seed ^ salt) + key));
        for (int i = n - 1; i > 0; i--) {
            int k = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[k];
            order[k] = t;
        }
        return new Permutation(key, order);
    }

    /** SplitMix64's finaliser: a bijective mix, so distinct inputs never share a stream. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static double uniform(long bits) {
        return (bits >>> 11) * 0x1.0p-53;
    }
}
