package io.fusion4j.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.backend.ConvGeometry;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** Gather, scatter-add, embeddings, top-k and its backward, transpose, index composition and im2col/col2im. */
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
    void transposeSwapsRowsAndColumnsOfEveryShape() {
        SplittableRandom r = rng("transpose");
        // 37×70 and 33×64 are not multiples of a 32 tile in either dim or in one; vectors both ways round.
        int[][] shapes = {{1, 1}, {3, 5}, {5, 3}, {37, 70}, {33, 64}, {32, 32}, {1, 70}, {70, 1}};
        for (int[] sh : shapes) {
            int rows = sh[0], cols = sh[1];
            String what = "transpose of [" + rows + ", " + cols + "]";
            float[] x = uniform(r, rows * cols, -1, 1);
            x[0] = -0f;
            x[x.length - 1] = Float.NEGATIVE_INFINITY;
            Tensor out = tensor(uniform(r, rows * cols, 5, 6), cols, rows); // overwritten
            backend.transpose(tensor(x, rows, cols), out);
            float[] ref = new float[rows * cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    ref[j * rows + i] = x[i * cols + j];
                }
            }
            assertSameBits(what, read(out), ref);
            Tensor back = zeros(rows, cols);
            backend.transpose(out, back);
            assertSameBits(what + " transposed back", read(back), x);
        }
    }

    @Test
    void transposeReadsAndWritesSlicesInPlace() {
        SplittableRandom r = rng("transposeSlices");
        int rows = 37, cols = 70;
        float[] big = uniform(r, (rows + 3) * cols, -1, 1);
        float[] outBig = uniform(r, (cols + 2) * rows, 5, 6);
        Tensor outAll = tensor(outBig, cols + 2, rows);
        backend.transpose(tensor(big, rows + 3, cols).slice(2, 2 + rows), outAll.slice(1, 1 + cols));
        float[] ref = outBig.clone();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                ref[(1 + j) * rows + i] = big[(2 + i) * cols + j];
            }
        }
        assertSameBits("transpose between slices (rows outside the slice untouched)", read(outAll), ref);
    }

    @Test
    void topKBackwardPlacesEachValueAtItsIndexAndZerosTheRest() {
        SplittableRandom r = rng("topKBackward");
        int rows = 5, cols = 37;
        float[] x = uniform(r, rows * cols, -1, 1);
        Tensor tx = tensor(x, rows, cols);
        for (int k : new int[]{0, 1, 9, cols}) {
            Tensor vals = zeros(rows, k);
            Tensor inds = backend.allocate(DType.I32, Shape.of(rows, k));
            backend.topK(tx, k, vals, inds);
            int[] ix = readInts(inds);
            float[] dv = uniform(r, rows * k, -2, 2);
            if (k > 0) {
                dv[0] = -0f; // placed, not added to a zero: the sign of zero survives
                dv[dv.length - 1] = Float.POSITIVE_INFINITY;
            }
            Tensor dx = tensor(uniform(r, rows * cols, 5, 6), rows, cols); // overwritten, not accumulated into
            backend.topKBackward(tensor(dv, rows, k), inds, dx);
            float[] ref = new float[rows * cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < k; j++) {
                    ref[i * cols + ix[i * k + j]] = dv[i * k + j];
                }
            }
            assertSameBits("topKBackward with k = " + k, read(dx), ref);
        }
    }

    @Test
    void topKBackwardTakesDistinctIndicesInAnyOrder() {
        // Indices as a caller may build them: unsorted, distinct in a row, repeated across rows; dx a slice.
        int rows = 3, cols = 6, k = 3;
        int[] ix = {4, 0, 5, 0, 1, 2, 5, 3, 0};
        float[] dv = {1f, -2f, 3f, 4f, -0f, 6f, 7f, 8f, -9f};
        float[] dxAll = new float[(rows + 1) * cols];
        Arrays.fill(dxAll, 0.5f);
        Tensor tdx = tensor(dxAll, rows + 1, cols);
        backend.topKBackward(tensor(dv, rows, k), ints(ix, rows, k), tdx.slice(1, 1 + rows));
        float[] ref = dxAll.clone();
        Arrays.fill(ref, cols, ref.length, 0f);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < k; j++) {
                ref[(1 + i) * cols + ix[i * k + j]] = dv[i * k + j];
            }
        }
        assertSameBits("topKBackward into rows 1-3 of a [4, 6] tensor", read(tdx), ref);
    }

    @Test
    void gatherIndicesComposesWithRepeatsAndEmptyIndices() {
        int[] table = {10, 42, 7, 3, 99, -1};
        int[] idx = {4, 0, 4, 2, 2, 5, 1, 4};
        Tensor tTable = ints(table, table.length);
        Tensor out = ints(new int[]{9, 9, 9, 9, 9, 9, 9, 9}, idx.length); // overwritten
        backend.gatherIndices(tTable, ints(idx, idx.length), out);
        int[] ref = new int[idx.length];
        for (int m = 0; m < idx.length; m++) {
            ref[m] = table[idx[m]];
        }
        assertThat(readInts(out)).containsExactly(ref);
        assertThat(readInts(tTable)).as("table is read only").containsExactly(table);

        // No indices: nothing to do, whether or not the table has elements.
        backend.gatherIndices(tTable, backend.allocate(DType.I32, Shape.of(0)), backend.allocate(DType.I32, Shape.of(0)));
        backend.gatherIndices(backend.allocate(DType.I32, Shape.of(0)), backend.allocate(DType.I32, Shape.of(0)),
                backend.allocate(DType.I32, Shape.of(0)));

        // Composition: gathering rows by the composed indices equals gathering twice.
        SplittableRandom r = rng("gatherIndices");
        int n = 100, d = 7;
        int[] rowsOfGroup = {13, 99, 0, 42, 13, 7};
        int[] pick = {5, 0, 3, 3, 1};
        Tensor src = tensor(uniform(r, n * d, -1, 1), n, d);
        Tensor group = zeros(rowsOfGroup.length, d);
        backend.gatherRows(src, ints(rowsOfGroup, rowsOfGroup.length), group);
        Tensor twice = zeros(pick.length, d);
        backend.gatherRows(group, ints(pick, pick.length), twice);
        Tensor composed = backend.allocate(DType.I32, Shape.of(pick.length));
        backend.gatherIndices(ints(rowsOfGroup, rowsOfGroup.length), ints(pick, pick.length), composed);
        assertThat(readInts(composed)).containsExactly(7, 13, 42, 42, 99);
        Tensor once = zeros(pick.length, d);
        backend.gatherRows(src, composed, once);
        assertSameBits("gatherRows by composed indices", read(once), read(twice));
    }

    @Test
    void gatherIndicesReadsAndWritesSlices() {
        Tensor table = ints(new int[]{-5, 10, 11, 12, 13, -5}, 6).slice(1, 5);
        Tensor idxAll = ints(new int[]{3, 3, 0, 2, 9}, 5);
        Tensor outAll = ints(new int[]{-7, -7, -7, -7}, 4);
        backend.gatherIndices(table, idxAll.slice(1, 4), outAll.slice(1, 4));
        assertThat(readInts(outAll)).containsExactly(-7, 13, 10, 12);
    }

    @Test
    void transposeRejectsBadArgumentsNamingThem() {
        Tensor x = zeros(3, 5);
        assertBad(() -> backend.transpose(backend.allocate(DType.I32, Shape.of(3, 5)), zeros(5, 3)), "transpose", "x", "F32");
        assertBad(() -> backend.transpose(x, backend.allocate(DType.I32, Shape.of(5, 3))), "transpose", "out", "F32");
        assertBad(() -> backend.transpose(x, zeros(3, 5)), "transpose", "out", "[5, 3]");
        assertBad(() -> backend.transpose(x, zeros(15)), "transpose", "out", "[5, 3]");
        assertBad(() -> backend.transpose(zeros(2, 3, 5), zeros(5, 3)), "transpose", "x", "rank 2");
        assertBad(() -> backend.transpose(zeros(5, 3).t(), zeros(5, 3)), "transpose", "x", "transposed");
    }

    @Test
    void topKBackwardRejectsBadArgumentsNamingThem() {
        Tensor dv = zeros(3, 2);
        Tensor inds = ints(new int[]{0, 1, 2, 3, 4, 0}, 3, 2);
        Tensor dx = zeros(3, 5);
        assertBad(() -> backend.topKBackward(ints(new int[6], 3, 2), inds, dx), "topKBackward", "dValues", "F32");
        assertBad(() -> backend.topKBackward(dv, zeros(3, 2), dx), "topKBackward", "indices", "I32");
        assertBad(() -> backend.topKBackward(dv, inds, backend.allocate(DType.I32, Shape.of(3, 5))), "topKBackward", "dx",
                "F32");
        assertBad(() -> backend.topKBackward(zeros(3, 6), ints(new int[18], 3, 6), dx), "topKBackward", "dValues",
                "at most 5");
        assertBad(() -> backend.topKBackward(zeros(2, 2), inds, dx), "topKBackward", "dValues", "[3, 2]");
        assertBad(() -> backend.topKBackward(dv, ints(new int[4], 2, 2), dx), "topKBackward", "indices", "[3, 2]");
        assertBad(() -> backend.topKBackward(dv, ints(new int[]{0, 1, 2, 5, 4, 0}, 3, 2), dx), "topKBackward", "indices",
                "[0, 5), found 5 at position 3");
        assertBad(() -> backend.topKBackward(dv, ints(new int[]{0, 1, 2, 3, 4, -1}, 3, 2), dx), "topKBackward", "indices",
                "[0, 5), found -1 at position 5");
    }

    @Test
    void gatherIndicesRejectsBadArgumentsNamingThem() {
        Tensor table = ints(new int[]{7, 8, 9, 10}, 4);
        Tensor idx = ints(new int[]{0, 3, 1}, 3);
        Tensor out = backend.allocate(DType.I32, Shape.of(3));
        assertBad(() -> backend.gatherIndices(zeros(4), idx, out), "gatherIndices", "table", "I32");
        assertBad(() -> backend.gatherIndices(table, zeros(3), out), "gatherIndices", "idx", "I32");
        assertBad(() -> backend.gatherIndices(table, idx, zeros(3)), "gatherIndices", "out", "I32");
        assertBad(() -> backend.gatherIndices(ints(new int[4], 2, 2), idx, out), "gatherIndices", "table", "rank 1");
        assertBad(() -> backend.gatherIndices(table, ints(new int[4], 1, 4), backend.allocate(DType.I32, Shape.of(4))),
                "gatherIndices", "idx", "rank 1");
        assertBad(() -> backend.gatherIndices(table, idx, backend.allocate(DType.I32, Shape.of(4))), "gatherIndices", "out",
                "[3]");
        assertBad(() -> backend.gatherIndices(table, idx, backend.allocate(DType.I32, Shape.of(3, 1))), "gatherIndices",
                "out", "[3]");
        assertBad(() -> backend.gatherIndices(table, ints(new int[]{0, 1, 4}, 3), out), "gatherIndices", "idx",
                "[0, 4), found 4 at position 2");
        assertBad(() -> backend.gatherIndices(table, ints(new int[]{-1, 1, 2}, 3), out), "gatherIndices", "idx",
                "[0, 4), found -1 at position 0");
        assertBad(() -> backend.gatherIndices(backend.allocate(DType.I32, Shape.of(0)), idx, out), "gatherIndices", "idx",
                "[0, 0), found 0 at position 0");
    }

    /** An {@link IllegalArgumentException} in the KernelChecks format that names {@code kernel} and {@code arg}. */
    private static void assertBad(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String kernel, String arg,
            String detail) {
        assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(kernel + ": argument '" + arg + "'").hasMessageContaining(detail);
    }

    /** Bit-for-bit equality (a kernel that only moves floats must not change even the sign of a zero). */
    private static void assertSameBits(String what, float[] actual, float[] expected) {
        assertThat(actual.length).as(what + ": length").isEqualTo(expected.length);
        for (int i = 0; i < actual.length; i++) {
            if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(expected[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
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
