package io.fusion4j.api.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Storage;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Pins every formula of {@link KernelFlops} to the number the CPU backend counted before the table existed:
 * recorded benchmark and training figures depend on them, so a change must be deliberate. (The TCK checks that
 * each backend adds these numbers.)
 */
class KernelFlopsTest {
    private record ShapeOnly(long capacity) implements Storage {
        @Override
        public DType dtype() {
            return DType.F32;
        }

        @Override
        public String backendName() {
            return "shape-only";
        }
    }

    private static Tensor t(long... dims) {
        Shape s = Shape.of(dims);
        return new Tensor(new ShapeOnly(s.numel()), 0, s, false, null, 0);
    }

    @Test
    void gemmCountsTwoPerMultiplyAddOverLogicalDims() {
        assertThat(KernelFlops.gemm(1, 3, 5, 4)).isEqualTo(120);
        assertThat(KernelFlops.gemm(t(3, 4), t(4, 5))).isEqualTo(120);
        assertThat(KernelFlops.gemm(t(4, 3).t(), t(5, 4).t())).as("both operands transposed views").isEqualTo(120);
        assertThat(KernelFlops.gemm(t(2, 3, 4), t(2, 4, 5))).as("two batches").isEqualTo(240);
        assertThat(KernelFlops.gemm(t(3, 0), t(0, 5))).as("zero depth").isZero();
        assertThat(KernelFlops.gemm(1, 65_536, 65_536, 65_536)).as("no int overflow").isEqualTo(1L << 49);
    }

    @Test
    void groupedGemmCountsOnlyTheRowsInGroups() {
        // offsets [0,2,2,5] over a [6,3] input: 5 rows in groups, K=3, N=7.
        assertThat(KernelFlops.groupedGemm(5, 3, 7)).isEqualTo(210);
        assertThat(KernelFlops.groupedGemm(t(6, 3), t(3, 3, 7), 5)).isEqualTo(210);
        assertThat(KernelFlops.groupedGemm(t(6, 3), t(3, 7, 3).t(), 5)).as("b as a transposed view").isEqualTo(210);
        assertThat(KernelFlops.groupedGemmWeightGrad(t(6, 3), t(6, 7), 5)).isEqualTo(210);
        assertThat(KernelFlops.groupedGemm(t(6, 3), t(3, 3, 7), 0)).as("every group empty").isZero();
    }

    @Test
    void attentionCountsVisiblePairsOnly() {
        AttentionMask causal = AttentionMask.causal(1, 4);
        assertThat(causal.visiblePairs()).isEqualTo(10);
        assertThat(KernelFlops.attention(causal, 2, 3)).isEqualTo(240);
        assertThat(KernelFlops.attentionBackward(causal, 2, 3)).isEqualTo(600);
        assertThat(KernelFlops.attention(t(1, 4, 2, 3), causal)).isEqualTo(240);
        assertThat(KernelFlops.attentionBackward(t(1, 4, 2, 3), causal)).isEqualTo(600);
        AttentionMask padded = AttentionMask.builder(1, 4).causal(false).validLength(0, 2).build();
        assertThat(KernelFlops.attention(padded, 1, 8)).as("2×2 visible of a 4×4 row").isEqualTo(4L * 8 * 4);
    }

    @Test
    void perElementFormulasKeepTheirCoefficients() {
        Tensor x = t(2, 3);
        assertThat(new long[]{
                KernelFlops.add(x), KernelFlops.mul(x), KernelFlops.axpby(x), KernelFlops.scale(x),
                KernelFlops.mulRows(x), KernelFlops.rowDot(x),
                KernelFlops.silu(x), KernelFlops.siluBackward(x), KernelFlops.gelu(x), KernelFlops.geluBackward(x),
                KernelFlops.sigmoid(x), KernelFlops.sigmoidBackward(x), KernelFlops.swiglu(x),
                KernelFlops.swigluBackward(x)})
                .containsExactly(6, 6, 18, 6, 6, 12, 30, 54, 54, 108, 24, 18, 36, 84);
        assertThat(new long[]{
                KernelFlops.reduceLastDim(Reduction.SUM, x), KernelFlops.reduceLastDim(Reduction.MEAN, x),
                KernelFlops.reduceLastDim(Reduction.MAX, x), KernelFlops.reduceLastDim(Reduction.SUM_OF_SQUARES, x),
                KernelFlops.squaredNorm(x), KernelFlops.rmsNorm(x), KernelFlops.rmsNormBackward(x),
                KernelFlops.layerNorm(x), KernelFlops.layerNormBackward(x), KernelFlops.softmax(x),
                KernelFlops.softmaxBackward(x)})
                .containsExactly(6, 6, 6, 12, 12, 24, 60, 48, 84, 30, 24);
        Tensor r = t(1, 2, 1, 4);
        assertThat(new long[]{KernelFlops.rope(r), KernelFlops.ropeBackward(r)}).containsExactly(24, 24);
        assertThat(new long[]{
                KernelFlops.crossEntropy(x), KernelFlops.crossEntropyBackward(x), KernelFlops.mse(x),
                KernelFlops.mseBackward(x), KernelFlops.bceWithLogits(x), KernelFlops.bceWithLogitsBackward(x)})
                .containsExactly(24, 24, 18, 18, 42, 30);
        assertThat(new long[]{
                KernelFlops.scatterAddRows(x), KernelFlops.embeddingBackward(x), KernelFlops.col2im(t(16, 18)),
                KernelFlops.adamw(x)})
                .containsExactly(12, 12, 288, 84);
    }

    @Test
    void movementAndSelectionCountNothing() {
        assertThat(new long[]{
                KernelFlops.copyFromHost(), KernelFlops.copyToHost(), KernelFlops.copy(), KernelFlops.fill(),
                KernelFlops.gatherRows(), KernelFlops.embedding(), KernelFlops.topK(), KernelFlops.im2col(),
                KernelFlops.randomUniform(), KernelFlops.randomNormal()})
                .containsOnly(0);
    }
}
