package io.fusion4j.eval.data;

import java.util.SplittableRandom;

/** The order samples are drawn in: a permutation of each epoch drawn from (seed, epoch) alone, so resume is exact. */
public final class DataOrder {
    private DataOrder() {
    }

    /** A Fisher–Yates permutation of {@code 0..n-1} for {@code epoch} of a run with {@code seed}. */
    public static int[] permutation(long seed, long epoch, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
