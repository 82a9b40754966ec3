package io.fusion4j.moma.vq;

import io.fusion4j.moma.CpuBackendTest;

import io.fusion4j.moma.MomaFixtures;
import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossValue;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The quantizer on cases small enough to work out by hand. */
class VectorQuantizerTest extends CpuBackendTest {
    private static Tensor tensor(float[] v, long... dims) {
        return MomaFixtures.upload(be, v, Shape.of(dims));
    }

    private static float[] host(Tensor t) {
        return MomaFixtures.floats(be, t);
    }

    private static int[] ints(Tensor t) {
        return MomaFixtures.ints(be, t);
    }

    /** A quantizer of {@code codebook} ({@code k × d}) with the given EMA state, decay and restart threshold. */
    private static VectorQuantizer quantizer(int k, int d, float[] codebook, float[] count, float[] sum, float decay,
                                             float deadBelow) {
        Parameters params = new Parameters();
        VectorQuantizer q = new VectorQuantizer(params, k, d, decay, deadBelow);
        params.allocate(be, 3);
        be.copyFromHost(codebook, params.get(VectorQuantizer.CODEBOOK).value());
        be.copyFromHost(count, params.get(VectorQuantizer.EMA_COUNT).value());
        be.copyFromHost(sum, params.get(VectorQuantizer.EMA_SUM).value());
        return q;
    }

    @Test
    void everyCodebookVectorEncodesToItsOwnCodeAndDecodesToExactlyItself() {
        int k = 64, d = 5;
        Tensor random = be.allocate(DType.F32, Shape.of(k, d));
        be.randomNormal(random, 11, 0);
        float[] book = host(random);
        VectorQuantizer q = quantizer(k, d, book, new float[k], new float[k * d], 0.99f, 0f);
        try (StepArena arena = be.newArena()) {
            Tensor codes = q.nearest(be, arena, tensor(book, k, d));
            int[] c = ints(codes);
            for (int i = 0; i < k; i++) {
                assertThat(c[i]).as("code of codebook row " + i).isEqualTo(i);
            }
            assertThat(host(q.lookup(be, arena, codes))).as("decoded vectors, bit for bit").containsExactly(book);
        }
    }

    @Test
    void nearestPicksTheClosestCodeAndBreaksTiesTowardTheLowerCode() {
        // codes (0,0), (2,0), (0,2); (1,0) is equidistant from codes 0 and 1.
        VectorQuantizer q = quantizer(3, 2, new float[]{0, 0, 2, 0, 0, 2}, new float[3], new float[6], 0.9f, 0f);
        try (StepArena arena = be.newArena()) {
            int[] c = ints(q.nearest(be, arena, tensor(new float[]{1, 0, 1.9f, 0.2f, 0.1f, 1.2f, -5, -5}, 4, 2)));
            assertThat(c).containsExactly(0, 1, 2, 0);
        }
    }

    @Test
    void straightThroughForwardsTheCodesAndPassesTheGradientUnchanged() {
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, true);
            Var z = g.variable(tensor(new float[]{0.3f, -1f, 2f, 0.5f}, 2, 2));
            Tensor codes = tensor(new float[]{0f, -1f, 2f, 1f}, 2, 2);
            Var st = VectorQuantizer.straightThrough(g, z, codes);
            assertThat(host(st.value())).containsExactly(0f, -1f, 2f, 1f);
            // L = Σ r ⊙ st, so dL/dst = r and, straight through, dL/dz = r.
            g.seed(st, tensor(new float[]{1.5f, -2f, 0.25f, 4f}, 2, 2));
            g.backward();
            assertThat(host(z.grad())).containsExactly(1.5f, -2f, 0.25f, 4f);
        }
    }

    @Test
    void commitmentLossAndItsGradientMatchTheHandComputedValues() {
        // z = [[1, 2], [0, 0]] against codes (1,1) and (3,3): both rows pick (1,1), z − q = [[0, 1], [−1, −1]].
        VectorQuantizer q = quantizer(2, 2, new float[]{1, 1, 3, 3}, new float[2], new float[4], 0.9f, 0f);
        float beta = 0.25f;
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, true);
            Var z = g.variable(tensor(new float[]{1, 2, 0, 0}, 2, 2));
            Tensor codes = q.nearest(be, arena, z.value());
            assertThat(ints(codes)).containsExactly(0, 0);
            // A mean over 2 rows (each itself a mean over 2 elements): gradient scale beta / rows, as VqObjective's.
            LossValue commit = g.mse(z, q.lookup(be, arena, codes), beta / 2);
            assertThat(commit.mean()).as("mean (z − q)²").isCloseTo(0.75, within(1e-7));
            assertThat(beta * commit.mean()).isCloseTo(0.1875, within(1e-7));
            g.backward();
            // d/dz of β·mean over 4 elements of (z − q)² = β · 2 (z − q) / 4.
            assertThat(host(z.grad())).containsExactly(0f, 0.125f, -0.125f, -0.125f);
        }
    }

    @Test
    void emaUpdateMovesEachCodeToTheSmoothedMeanOfItsRows() {
        VectorQuantizer q = quantizer(2, 1, new float[]{0, 10}, new float[]{1, 1}, new float[]{0, 10}, 0.5f, 0.1f);
        try (StepArena arena = be.newArena()) {
            Tensor z = tensor(new float[]{1, 2, 11}, 3, 1);
            Tensor codes = q.nearest(be, arena, z);
            assertThat(ints(codes)).containsExactly(0, 0, 1);
            VectorQuantizer.Usage u = q.update(be, z, codes, 1, 0);
            // counts 0.5·1 + 0.5·2 = 1.5 and 0.5·1 + 0.5·1 = 1; sums 0.5·0 + 0.5·3 = 1.5 and 0.5·10 + 0.5·11 = 10.5.
            assertThat(host(q.codebook())[0]).isCloseTo(1f, within(1e-4f));
            assertThat(host(q.codebook())[1]).isCloseTo(10.5f, within(1e-4f));
            assertThat(u.restarted()).isZero();
            assertThat(u.used()).isEqualTo(2);
            // p = (2/3, 1/3): perplexity exp(−Σ p ln p).
            double h = -(2 / 3.0) * Math.log(2 / 3.0) - (1 / 3.0) * Math.log(1 / 3.0);
            assertThat(u.perplexity()).isCloseTo(Math.exp(h), within(1e-9));
        }
    }

    @Test
    void deadCodesRestartAtBatchRowsTheSameWayEveryTime() {
        float[] rows = {5, 6, 7, 8};
        float[][] results = new float[2][];
        for (int run = 0; run < 2; run++) {
            // code 1 is used, codes 0 and 2 have counts below the threshold and no rows: both restart.
            VectorQuantizer q = quantizer(3, 1, new float[]{-100, 6, 100}, new float[]{0, 1, 0.01f},
                    new float[]{0, 6, 1}, 0.9f, 0.5f);
            try (StepArena arena = be.newArena()) {
                Tensor z = tensor(rows, 4, 1);
                Tensor codes = q.nearest(be, arena, z);
                VectorQuantizer.Usage u = q.update(be, z, codes, 42, 7);
                assertThat(u.restarted()).isEqualTo(2);
                results[run] = host(q.codebook());
                assertThat(rows).contains(results[run][0], results[run][2]);
            }
        }
        assertThat(results[1]).as("same key, same restarts").containsExactly(results[0]);
    }
}
