package io.fusion4j.tensor.cpu;

import static io.fusion4j.tensor.cpu.HostCopies.get;
import static io.fusion4j.tensor.cpu.HostCopies.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import org.junit.jupiter.api.Test;

/**
 * add and reshape hand their output gradient to their inputs without copying; a later contribution to one
 * input must not leak into the other input that shares the tensor. Expected values are worked by hand.
 */
class SharedGradientTest {
    private static final float[] A = {1, 2, 3, 4, 5, 6};
    private static final float[] B = {-1, 0.5f, 2, -3, 1.5f, 4};
    private static final float[] W = {0.5f, -1, 2, 1, -0.5f, 3};
    private static final float[] SEED = {1, -2, 0.5f, 3, -1, 2};

    @Test
    void aLaterContributionToOneAddendLeavesTheOtherUntouched() {
        try (Backend be = new CpuBackendProvider().create(BackendOptions.withThreads(1));
             StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, true);
            Var a = g.variable(put(be, A, 2, 3));
            Var b = g.variable(put(be, B, 2, 3));
            Var w = g.variable(put(be, W, 3, 2));
            // y = a + b; z = y + reshape(a·w-shaped, ...): a receives dz (through y) and a second contribution.
            Var y = g.add(a, b);
            Var aFlat = g.reshape(a, Shape.of(3, 2));
            Var z = g.add(g.reshape(y, Shape.of(3, 2)), g.add(aFlat, w));
            g.seed(z, put(be, SEED, 3, 2));
            g.backward();

            float[] da = get(be, a.grad());
            float[] db = get(be, b.grad());
            float[] dw = get(be, w.grad());
            for (int i = 0; i < 6; i++) {
                // dz/da = 2 (through y and directly), dz/db = 1, dz/dw = 1, all times the seed.
                assertThat(da[i]).as("da[%d]", i).isEqualTo(2 * SEED[i]);
                assertThat(db[i]).as("db[%d]", i).isEqualTo(SEED[i]);
                assertThat(dw[i]).as("dw[%d]", i).isEqualTo(SEED[i]);
            }
        }
    }

    @Test
    void aBorrowedGradientUsedAsAnAccumulationTargetIsCopiedFirst() {
        try (Backend be = new CpuBackendProvider().create(BackendOptions.withThreads(1));
             StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, true);
            Var x = g.variable(put(be, new float[]{1, 2, 3, 4}, 2, 2));
            Var w = g.variable(put(be, new float[]{1, 0, 0, 1}, 2, 2));
            Var other = g.variable(put(be, new float[]{0, 0, 0, 0}, 2, 2));
            // w first gets a borrowed gradient (from the add), then linear accumulates dW += dyᵀ x into it.
            Var lin = g.linear(x, w);
            Var s = g.add(w, other);
            Var total = g.add(lin, s);
            g.seed(total, put(be, new float[]{1, 1, 1, 1}, 2, 2));
            g.backward();
            float[] dOther = get(be, other.grad());
            float[] dw = get(be, w.grad());
            // dOther = seed = 1 everywhere; dW = seed + seedᵀ·x = 1 + column sums of x (4 and 6).
            assertThat(dOther).containsExactly(1, 1, 1, 1);
            assertThat(dw).containsExactly(5, 7, 5, 7);
        }
    }
}
