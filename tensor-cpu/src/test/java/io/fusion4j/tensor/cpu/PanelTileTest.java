package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link MicroKernels#tile} over a packed panel writes whole tiles into C from registers when alpha is 1 and beta is
 * 0 or 1; these check that path against an f64 product written from the definition and, bit for bit, against the
 * scratch-tile-and-merge path that every other tile takes.
 */
class PanelTileTest {
    private static final int L = MicroKernels.L;
    private static final int NR = 4 * L;

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    /** A packed as 4-row slivers, B a panel of NR columns (row stride NR), C with row stride ldc and an offset. */
    private record Case(int m, int k, float[] ap, float[] b, float[] c0, int cOff, int ldc) {
        static Case of(long seed, int m, int k) {
            Random rnd = new Random(seed);
            int ldc = NR + 3 * L;
            float[] a = random(rnd, m * k);
            float[] ap = new float[(m + MicroKernels.MR - 1) / MicroKernels.MR * MicroKernels.MR * k];
            MicroKernels.packA(a, 0, k, 1, m, k, ap);
            return new Case(m, k, ap, random(rnd, k * NR), random(rnd, 5 + m * ldc), 5, ldc);
        }

        float a(int r, int p) {
            int s = r / MicroKernels.MR;
            return ap[s * MicroKernels.MR * k + p * MicroKernels.MR + r % MicroKernels.MR];
        }

        float[] viaTile(float alpha, float beta) {
            float[] c = c0.clone();
            MicroKernels.tile(ap, 0, b, 0, NR, c, cOff, ldc, m, NR, k, alpha, beta, new float[MicroKernels.ACC_SIZE]);
            return c;
        }

        /** The same tiles through {@link MicroKernels#sliver}: always the scratch tile and {@link MicroKernels#merge}. */
        float[] viaMerge(float alpha, float beta) {
            float[] c = c0.clone();
            float[] acc = new float[MicroKernels.ACC_SIZE];
            for (int r = 0; r < m; r += MicroKernels.MR) {
                MicroKernels.sliver(ap, r / MicroKernels.MR, k, 0, k, b, 0, NR, c, cOff + r * ldc, ldc,
                        Math.min(MicroKernels.MR, m - r), NR, alpha, beta, acc);
            }
            return c;
        }

        double expected(int r, int j, float alpha, float beta) {
            double s = 0;
            for (int p = 0; p < k; p++) {
                s += (double) a(r, p) * b[p * NR + j];
            }
            return alpha * s + (beta == 0f ? 0 : beta * (double) c0[cOff + r * ldc + j]);
        }
    }

    @Test
    void panelTilesMatchTheF64ProductAndTheMergePathBitForBit() {
        // m = 6 leaves a two-row sliver that takes the merge path; k = 1 and 37 are odd depths.
        for (int[] mk : new int[][]{{4, 1}, {8, 37}, {6, 64}, {12, 256}}) {
            for (float[] ab : new float[][]{{1f, 0f}, {1f, 1f}, {0.5f, 1f}, {1f, 0.25f}}) {
                Case t = Case.of(31L * mk[0] + mk[1], mk[0], mk[1]);
                float[] got = t.viaTile(ab[0], ab[1]);
                float[] merged = t.viaMerge(ab[0], ab[1]);
                assertThat(got).as("m=%d k=%d alpha=%s beta=%s: tile against merge", mk[0], mk[1], ab[0], ab[1])
                        .containsExactly(merged);
                for (int r = 0; r < t.m(); r++) {
                    for (int j = 0; j < NR; j++) {
                        assertThat((double) got[t.cOff() + r * t.ldc() + j])
                                .as("m=%d k=%d alpha=%s beta=%s C[%d,%d]", mk[0], mk[1], ab[0], ab[1], r, j)
                                .isCloseTo(t.expected(r, j, ab[0], ab[1]), within(1e-5 * Math.sqrt(mk[1]) * 4));
                    }
                    // Columns past the panel, between C's rows, are left alone.
                    for (int j = NR; j < t.ldc() && t.cOff() + r * t.ldc() + j < got.length; j++) {
                        assertThat(got[t.cOff() + r * t.ldc() + j]).isEqualTo(t.c0()[t.cOff() + r * t.ldc() + j]);
                    }
                }
            }
        }
    }

    @Test
    void betaZeroNeverReadsC() {
        Case t = Case.of(7, 8, 16);
        java.util.Arrays.fill(t.c0(), Float.NaN);
        float[] got = t.viaTile(1f, 0f);
        for (int r = 0; r < t.m(); r++) {
            for (int j = 0; j < NR; j++) {
                assertThat(got[t.cOff() + r * t.ldc() + j]).as("C[%d,%d]", r, j).isFinite();
            }
        }
    }
}
