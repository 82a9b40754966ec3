package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The register transposes that pack transposed GEMM operands, against the layouts written out index by index.
 * The GEMM conformance suite covers them through products; these name the element that is wrong.
 */
class PackingTest {
    private static float[] counting(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i + 1;
        }
        return a;
    }

    @Test
    void transpose16WritesDepthRowsOfSixteenColumns() {
        int csB = 37; // a column stride that is not a multiple of 16
        int src = 5;
        int ldd = 64;
        int d = 3;
        float[] b = counting(src + 15 * csB + 16);
        float[] dst = new float[d + 15 * ldd + 16 + 8];
        java.util.Arrays.fill(dst, -1f);
        MicroKernels.transpose16(b, src, csB, dst, d, ldd);
        for (int depth = 0; depth < 16; depth++) {
            for (int col = 0; col < 16; col++) {
                assertThat(dst[d + depth * ldd + col]).as("depth %d column %d", depth, col)
                        .isEqualTo(b[src + col * csB + depth]);
            }
            // Nothing outside the 16 columns of a row is touched.
            if (depth < 15) {
                assertThat(dst[d + depth * ldd + 16]).as("after row %d", depth).isEqualTo(-1f);
            }
        }
    }

    @Test
    void transposeRowsCoversSixteenRowBlocksFourRowGroupsAndTheRestForEveryDepth() {
        for (int rows : new int[]{1, 3, 4, 7, 16, 21, 37}) {
            for (int depth : new int[]{1, 5, 16, 19, 33}) {
                int ld = depth + 3;
                int so = 2;
                int ldd = rows + 5;
                float[] src = counting(so + (rows - 1) * ld + depth);
                float[] dst = new float[1 + (depth - 1) * ldd + rows + 5];
                java.util.Arrays.fill(dst, -1f);
                MicroKernels.transposeRows(src, so, ld, rows, depth, dst, 1, ldd, new float[4 * depth]);
                for (int p = 0; p < depth; p++) {
                    for (int r = 0; r < rows; r++) {
                        assertThat(dst[1 + p * ldd + r]).as("rows=%d depth=%d row %d depth %d", rows, depth, r, p)
                                .isEqualTo(src[so + r * ld + p]);
                    }
                    // The padding between destination rows is left alone.
                    assertThat(dst[1 + p * ldd + rows]).as("rows=%d depth=%d after row %d", rows, depth, p)
                            .isEqualTo(-1f);
                }
            }
        }
    }

    @Test
    void transposedAPacksIntoTheSliverLayoutForEveryRowAndDepthRemainder() {
        // m = 16 g + 4 r rows (vector groups and leftover slivers), k with and without a depth remainder of 4.
        for (int m : new int[]{4, 16, 20, 36, 64}) {
            for (int k : new int[]{1, 3, 4, 7, 16, 33}) {
                int csA = m + 9;
                int aOff = 2;
                float[] a = counting(aOff + (k - 1) * csA + m);
                float[] dst = new float[m * k + 5];
                MicroKernels.packA(a, aOff, 1, csA, m, k, dst, 5);
                for (int r = 0; r < m; r++) {
                    for (int p = 0; p < k; p++) {
                        int s = r / MicroKernels.MR;
                        assertThat(dst[5 + s * MicroKernels.MR * k + p * MicroKernels.MR + r % MicroKernels.MR])
                                .as("m=%d k=%d row %d depth %d", m, k, r, p)
                                .isEqualTo(a[aOff + r + p * csA]);
                    }
                }
            }
        }
    }
}
