package io.fusion4j.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.backend.ConvGeometry;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** Gather, scatter-add, embeddings, top-k and im2col/col2im. */
public abstract class IndexConformance extends LossConformance {

    @Test
    void gatherAndWeightedScatterAddWithRepeats() {
        SplittableRandom r = rng("gather");
        int n = 11, d = 19;
        float[] src = uniform(r, n * d, -1, 1);
        int[] idx = {3, 0, 10, 3, 3, 7};
        float[] w = {0.5f, -1f, 2f, 1f, 0.25f, 3f};
        Tensor out = zeros(idx.length, d);
        backend.gatherRows(tensor(src, n, d), ints(idx, idx.length), out);
        float[] g = read(out);
        for (int m = 0; m < idx.length; m++) {
            assertThat(Arrays.copyOfRange(g, m * d, (m + 1) * d)).as("row " + m)
                    .containsExactly(Arrays.copyOfRange(src, idx[m] * d, (idx[m] + 1) * d));
        }
        float[] base = uniform(r, n * d, -1, 1);
        Tensor acc = tensor(base, n, d);
        backend.scatterAddRows(out, ints(idx, idx.length), tensor(w, idx.length), acc);
        double[] ref = Reference.d(base);
        for (int m = 0; m < idx.length; m++) {
            for (int c = 0; c < d; c++) {
                ref[idx[m] * d + c] += w[m] * (double) g[m * d + c];
            }
        }
        assertClose("scatterAddRows", read(acc), ref, 1e-6, 1e-6);
        // Embedding backward = unweighted scatter-add.
        Tensor table = zeros(n, d);
        backend.embeddingBackward(out, ints(idx, idx.length), table);
        double[] eref = new double[n * d];
        for (int m = 0; m < idx.length; m++) {
            for (int c = 0; c < d; c++) {
                eref[idx[m] * d + c] += g[m * d + c];
            }
        }
        assertClose("embeddingBackward", read(table), eref, 1e-6, 1e-6);
    }

    @Test
    void outOfRangeIndicesAreRejectedWithTheirPosition() {
        Tensor table = zeros(4, 3);
        assertThatThrownBy(() -> backend.embedding(table, ints(new int[]{0, 4, 1}, 3), zeros(3, 3)))
                .hasMessageContaining("idx").hasMessageContaining("[0, 4)").hasMessageContaining("found 4 at position 1");
        assertThatThrownBy(() -> backend.scatterAddRows(zeros(2, 3), ints(new int[]{-1, 0}, 2), null, table))
                .hasMessageContaining("found -1 at position 0");
    }

    @Test
    void topKIsSortedAndBreaksTiesByLowerIndex() {
        SplittableRandom r = rng("topk");
        int rows = 6, cols = 41, k = 9;
        float[] x = uniform(r, rows * cols, -1, 1);
        x[3] = 0.999f;
        x[7] = 0.999f; // tie in row 0: index 3 first
        x[10] = -0f;
        Tensor vals = zeros(rows, k);
        Tensor inds = backend.allocate(io.fusion4j.api.tensor.DType.I32, io.fusion4j.api.tensor.Shape.of(rows, k));
        backend.topK(tensor(x, rows, cols), k, vals, inds);
        float[] v = read(vals);
        int[] ix = readInts(inds);
        for (int row = 0; row < rows; row++) {
            final int rr = row;
            Integer[] order = IntStream.range(0, cols).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(c -> -x[rr * cols + c]).thenComparingInt(c -> c))
                    .toArray(Integer[]::new);
            for (int j = 0; j < k; j++) {
                assertThat(ix[row * k + j]).as("row " + row + " rank " + j).isEqualTo(order[j]);
                assertThat(v[row * k + j]).isEqualTo(x[row * cols + order[j]]);
            }
        }
        assertThat(ix[0]).isEqualTo(3);
        assertThat(ix[1]).isEqualTo(7);
        assertThatThrownBy(() -> backend.topK(tensor(x, rows, cols), cols + 1, zeros(rows, cols + 1),
                backend.allocate(io.fusion4j.api.tensor.DType.I32, io.fusion4j.api.tensor.Shape.of(rows, cols + 1))))
                .hasMessageContaining("'k'");
    }

    @Test
    void im2colMatchesDirectIndexingAndCol2imIsItsAdjoint() {
        SplittableRandom r = rng("im2col");
        int b = 2, c = 3, h = 7, w = 6;
        ConvGeometry g = new ConvGeometry(3, 2, 2, 1);
        int oh = g.outH(h);
        int ow = g.outW(w);
        float[] x = uniform(r, b * c * h * w, -1, 1);
        Tensor cols = zeros((long) b * oh * ow, (long) c * 3 * 2);
        backend.im2col(tensor(x, b, c, h, w), g, cols);
        float[] got = read(cols);
        double[] ref = new double[got.length];
        for (int bb = 0; bb < b; bb++) {
            for (int y = 0; y < oh; y++) {
                for (int xx = 0; xx < ow; xx++) {
                    for (int cc = 0; cc < c; cc++) {
                        for (int ky = 0; ky < 3; ky++) {
                            for (int kx = 0; kx < 2; kx++) {
                                int iy = y * 2 - 1 + ky;
                                int ix = xx * 2 - 1 + kx;
                                double v = iy < 0 || iy >= h || ix < 0 || ix >= w ? 0 : x[((bb * c + cc) * h + iy) * w + ix];
                                ref[((bb * oh + y) * ow + xx) * c * 6 + cc * 6 + ky * 2 + kx] = v;
                            }
                        }
                    }
                }
            }
        }
        assertClose("im2col", got, ref, 0, 0);
        // <im2col(x), y> == <x, col2im(y)> for random y.
        float[] y = uniform(r, got.length, -1, 1);
        Tensor dx = tensor(uniform(r, x.length, -1, 1), b, c, h, w); // overwritten
        backend.col2im(tensor(y, b * oh * ow, c * 6), g, dx);
        double lhs = 0;
        for (int i = 0; i < got.length; i++) {
            lhs += (double) got[i] * y[i];
        }
        float[] back = read(dx);
        double rhs = 0;
        for (int i = 0; i < x.length; i++) {
            rhs += (double) x[i] * back[i];
        }
        assertThat(rhs).isCloseTo(lhs, org.assertj.core.data.Offset.offset(1e-4));
    }
}
