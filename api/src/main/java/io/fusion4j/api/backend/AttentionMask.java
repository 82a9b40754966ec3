package io.fusion4j.api.backend;

import java.util.Arrays;

/**
 * Which keys each query may attend to, described without a T×T matrix.
 *
 * <p>A mask is built from: causal or bidirectional attention; document boundaries (a query never
 * sees another document); bidirectional spans inside a causal sequence (Transfusion's images: every
 * position of a span sees the whole span); and a valid length per batch row (padding after it is
 * never seen, and padded queries see nothing). Every such mask gives each query a
 * <em>contiguous</em> key range {@code [keyStart, keyEnd)}: the start of its document up to itself,
 * extended to the end of the bidirectional span it sits in. Backends consume only those ranges,
 * so kernels can skip whole blocks and never store a T×T matrix.
 */
public final class AttentionMask {
    private final int batch;
    private final int length;
    private final boolean causal;
    private final int[] keyStart;
    private final int[] keyEnd;
    private final long visiblePairs;

    private AttentionMask(int batch, int length, boolean causal, int[] keyStart, int[] keyEnd) {
        this.batch = batch;
        this.length = length;
        this.causal = causal;
        this.keyStart = keyStart;
        this.keyEnd = keyEnd;
        long pairs = 0;
        for (int i = 0; i < keyStart.length; i++) {
            pairs += Math.max(0, keyEnd[i] - keyStart[i]);
        }
        this.visiblePairs = pairs;
    }

    /** A causal mask over {@code batch} rows of {@code length} positions, one document each. */
    public static AttentionMask causal(int batch, int length) {
        return builder(batch, length).causal(true).build();
    }

    /** A fully bidirectional mask (every position sees every position of its row). */
    public static AttentionMask bidirectional(int batch, int length) {
        return builder(batch, length).causal(false).build();
    }

    /**
     * The mask among a subset of each row's positions (the tokens a depth router sends through a block): row
     * {@code b} keeps positions {@code chosen[b·k .. b·k+k)}, ascending, which become positions {@code 0..k-1}. Query
     * {@code j} sees exactly the kept keys its original position saw; since those form a range and the kept positions
     * are in order, they are again a contiguous range.
     */
    public AttentionMask select(int[] chosen, int k) {
        return select(chosen, k, null);
    }

    /**
     * As {@link #select(int[], int)} for rows that keep different numbers of positions: row {@code b} keeps the first
     * {@code kept[b]} of its {@code k} entries, and the rest are filler that sees no key and that no query sees (the
     * same as padding). {@code kept} null keeps all {@code k}.
     */
    public AttentionMask select(int[] chosen, int k, int[] kept) {
        if (k < 0 || chosen.length != batch * k) {
            throw new IllegalArgumentException("attention mask select: chosen must hold " + batch + " rows of " + k
                    + " positions, found " + chosen.length);
        }
        if (kept != null && kept.length != batch) {
            throw new IllegalArgumentException("attention mask select: kept must hold one count per row (" + batch
                    + "), found " + kept.length);
        }
        int[] ks = new int[batch * k];
        int[] ke = new int[batch * k];
        for (int b = 0; b < batch; b++) {
            int base = b * k;
            int real = kept == null ? k : kept[b];
            if (real < 0 || real > k) {
                throw new IllegalArgumentException("attention mask select: row " + b + " keeps " + real
                        + " positions, expected 0.." + k);
            }
            for (int j = 0; j < real; j++) {
                int p = chosen[base + j];
                if (p < 0 || p >= length || (j > 0 && p <= chosen[base + j - 1])) {
                    throw new IllegalArgumentException("attention mask select: row " + b + " must keep ascending"
                            + " positions in [0, " + length + "), found " + p + " at " + j);
                }
                ks[base + j] = lowerBound(chosen, base, real, keyStart(b, p));
                ke[base + j] = Math.max(ks[base + j], lowerBound(chosen, base, real, keyEnd(b, p)));
            }
            // Filler entries keep the empty range [0, 0): they see nothing, and no real query's range reaches them.
        }
        return new AttentionMask(batch, k, causal, ks, ke);
    }

    /** The first of {@code a[base .. base+k)} (ascending) that is {@code >= v}, relative to base. */
    private static int lowerBound(int[] a, int base, int k, int v) {
        int lo = 0;
        int hi = k;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[base + mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    public static Builder builder(int batch, int length) {
        return new Builder(batch, length);
    }

    public int batch() {
        return batch;
    }

    public int length() {
        return length;
    }

    public boolean isCausal() {
        return causal;
    }

    /** First visible key of query {@code i} in batch row {@code b}. */
    public int keyStart(int b, int i) {
        return keyStart[b * length + i];
    }

    /** One past the last visible key of query {@code i} in row {@code b}; equal to the start when none is visible. */
    public int keyEnd(int b, int i) {
        return keyEnd[b * length + i];
    }

    /** True when query {@code i} may attend to key {@code j} in row {@code b}. */
    public boolean visible(int b, int i, int j) {
        return j >= keyStart(b, i) && j < keyEnd(b, i);
    }

    /** Copies of the flattened {@code [B*T]} ranges, for backends that upload them. */
    public int[] keyStarts() {
        return keyStart.clone();
    }

    public int[] keyEnds() {
        return keyEnd.clone();
    }

    /** Number of visible (query, key) pairs over all rows: the attention FLOPs per head are proportional to it. */
    public long visiblePairs() {
        return visiblePairs;
    }

    /** Builds an {@link AttentionMask}; all positions are in {@code [0, length)}. */
    public static final class Builder {
        private final int batch;
        private final int length;
        private boolean causal = true;
        private final int[] docId;      // per (b, t): document index inside the row
        private final int[] spanEnd;    // per (b, t): end of the bidirectional span holding t, or -1
        private final int[] validLength;

        private Builder(int batch, int length) {
            if (batch < 1 || length < 0) {
                throw new IllegalArgumentException("attention mask needs batch >= 1 and length >= 0, got batch="
                        + batch + " length=" + length);
            }
            this.batch = batch;
            this.length = length;
            this.docId = new int[batch * length];
            this.spanEnd = new int[batch * length];
            Arrays.fill(spanEnd, -1);
            this.validLength = new int[batch];
            Arrays.fill(validLength, length);
        }

        public Builder causal(boolean causal) {
            this.causal = causal;
            return this;
        }

        /** Starts a new document at {@code start} in row {@code b}: earlier positions become invisible to it. */
        public Builder documentStart(int b, int start) {
            checkRow(b);
            if (start < 0 || start > length) {
                throw new IllegalArgumentException("document start " + start + " outside [0, " + length + "]");
            }
            for (int t = start; t < length; t++) {
                docId[b * length + t]++;
            }
            return this;
        }

        /** Marks {@code [start, end)} of row {@code b} as bidirectional (an image). Spans may not overlap. */
        public Builder bidirectionalSpan(int b, int start, int end) {
            checkRow(b);
            if (start < 0 || end > length || start >= end) {
                throw new IllegalArgumentException("bidirectional span [" + start + ", " + end
                        + ") must be non-empty and inside [0, " + length + ")");
            }
            for (int t = start; t < end; t++) {
                if (spanEnd[b * length + t] >= 0) {
                    throw new IllegalArgumentException("bidirectional span [" + start + ", " + end
                            + ") overlaps another span at position " + t + " of row " + b);
                }
                spanEnd[b * length + t] = end;
            }
            return this;
        }

        /** Positions {@code >= valid} of row {@code b} are padding. */
        public Builder validLength(int b, int valid) {
            checkRow(b);
            if (valid < 0 || valid > length) {
                throw new IllegalArgumentException("valid length " + valid + " outside [0, " + length + "]");
            }
            validLength[b] = valid;
            return this;
        }

        private void checkRow(int b) {
            if (b < 0 || b >= batch) {
                throw new IndexOutOfBoundsException("batch row " + b + " outside [0, " + batch + ")");
            }
        }

        public AttentionMask build() {
            int[] start = new int[batch * length];
            int[] end = new int[batch * length];
            for (int b = 0; b < batch; b++) {
                int base = b * length;
                int valid = validLength[b];
                int[] docEndAt = new int[length];
                for (int t = length - 1; t >= 0; t--) {
                    boolean lastOfDoc = t == length - 1 || docId[base + t + 1] != docId[base + t];
                    docEndAt[t] = lastOfDoc ? t + 1 : docEndAt[t + 1];
                }
                int docStart = 0;
                for (int t = 0; t < length; t++) {
                    if (t > 0 && docId[base + t] != docId[base + t - 1]) {
                        docStart = t;
                    }
                    int docEnd = docEndAt[t];
                    if (spanEnd[base + t] > docEnd) {
                        throw new IllegalArgumentException("bidirectional span ending at " + spanEnd[base + t]
                                + " crosses the document boundary at " + docEnd + " in row " + b);
                    }
                    int hi;
                    if (t >= valid) {
                        hi = docStart; // padded query: sees nothing
                    } else if (causal) {
                        hi = Math.max(t + 1, spanEnd[base + t]);
                    } else {
                        hi = docEnd;
                    }
                    start[base + t] = docStart;
                    end[base + t] = Math.max(docStart, Math.min(hi, Math.min(docEnd, valid)));
                }
            }
            return new AttentionMask(batch, length, causal, start, end);
        }
    }
}
